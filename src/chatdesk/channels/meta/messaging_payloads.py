"""Pydantic models of the Messenger Platform / Instagram Messaging wire format (SPEC §4): the
``messaging[]`` webhook events and the Send API. Both platforms share it; only the webhook's
``object`` (``page`` / ``instagram``), some event kinds and the limits differ.

Like the WhatsApp models, every model keeps unknown fields (Meta adds them without notice), so
``wire()`` gives back what arrived. Timestamps are integer epoch milliseconds.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints


def _as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# ids are strings (a sender may write a number), never empty: an event must say whose it is
Id = Annotated[str, BeforeValidator(_as_text), StringConstraints(min_length=1)]


class Wire(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Party(Wire):
    id: Id


class Attachment(Wire):
    type: str
    payload: dict[str, Any] | None = None

    @property
    def url(self) -> str | None:
        url = (self.payload or {}).get("url")
        return url if isinstance(url, str) and url else None


class StoryRef(Wire):
    url: str | None = None
    id: Id | None = None


class ReplyTo(Wire):
    mid: str | None = None
    story: StoryRef | None = None


class QuickReply(Wire):
    payload: str | None = None


class Message(Wire):
    mid: Annotated[str, StringConstraints(min_length=1)]
    text: str | None = None
    quick_reply: QuickReply | None = None
    reply_to: ReplyTo | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    is_echo: bool | None = None
    app_id: Id | None = None
    metadata: str | None = None
    is_deleted: bool | None = None
    is_unsupported: bool | None = None


class Postback(Wire):
    mid: str | None = None
    title: str | None = None
    payload: str | None = None


class Reaction(Wire):
    mid: str | None = None  # the message reacted to
    action: str | None = None  # react | unreact
    emoji: str | None = None
    reaction: str | None = None  # smile, love, ... (Meta's name for the emoji)


class Read(Wire):
    watermark: int | None = None  # Messenger: everything up to this time was read
    mid: str | None = None  # Instagram: the last message read


class Delivery(Wire):
    mids: list[str] = Field(default_factory=list)
    watermark: int | None = None


class Messaging(Wire):
    """One event of an entry: who, when, and one of the event bodies."""

    sender: Party
    recipient: Party
    timestamp: int | None = None
    message: Message | None = None
    postback: Postback | None = None
    reaction: Reaction | None = None
    read: Read | None = None
    delivery: Delivery | None = None


class Entry(Wire):
    id: Annotated[str, BeforeValidator(_as_text)]  # empty: the entry is skipped, not the delivery
    time: int | None = None
    messaging: list[Any] = Field(default_factory=list)  # each read on its own (one bad costs none)
    standby: list[Any] = Field(default_factory=list)  # handover protocol: events another app handles


class Envelope(Wire):
    object: str
    entry: list[Entry] = Field(default_factory=list)


class RoutingEntry(BaseModel):
    id: Annotated[str, BeforeValidator(_as_text)]


class RoutingEnvelope(BaseModel):
    """Just what routes a delivery: its object and the pages / accounts it names."""

    object: str
    entry: list[RoutingEntry] = Field(default_factory=list)


# ----------------------------------------------------------------------------- Send API


class SendQuickReply(Wire):
    content_type: str = "text"
    title: str
    payload: str


class SendMessage(Wire):
    text: str | None = None
    attachment: dict[str, Any] | None = None
    quick_replies: list[SendQuickReply] | None = None
    metadata: str | None = None  # repeated on the echo: how we know our own sends


class SendRequest(Wire):
    recipient: dict[str, str]
    messaging_type: str = "RESPONSE"
    tag: str | None = None
    message: SendMessage | None = None
    reply_to: dict[str, str] | None = None


class SendResponse(Wire):
    recipient_id: str | None = None
    message_id: str | None = None
    attachment_id: str | None = None


class Profile(Wire):
    """``GET /{PSID}`` (Messenger) or ``GET /{IGSID}`` (Instagram): what the customer shows."""

    id: Id | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    profile_pic: str | None = None

    def full_name(self) -> str | None:
        return self.name or " ".join(filter(None, [self.first_name, self.last_name])) or None
