"""REST shapes of conversations and messages."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ..channels.content import MEDIA_TYPES, Choice, Content, Interactive, Location, Media, Note, Reaction, Text
from ..core.pages import TOTAL_CAP, Page  # noqa: F401  (re-exported: the conversations API's envelope)
from ..core.states import ConversationStatus, Priority
from .policy import CAPTIONED


class ContactBrief(BaseModel):
    id: int
    name: str
    phone: str | None


class ChannelBrief(BaseModel):
    id: int
    kind: str
    name: str


class ConversationOut(BaseModel):
    id: int
    status: str
    channel: ChannelBrief
    contact: ContactBrief
    assignee_id: int | None
    team_id: int | None
    priority: str
    snoozed_until: datetime | None
    last_message_at: datetime
    last_inbound_at: datetime | None
    window_closes_at: datetime | None = Field(description="When free-form replies stop being allowed")
    unread: int
    created_at: datetime


class ErrorOut(BaseModel):
    code: int | None
    title: str | None
    detail: str | None


class CostOut(BaseModel):
    """What the provider charges for an outbound message, as its receipts reported it (WhatsApp's
    per-message pricing); a field the receipts did not carry is null."""

    category: str | None = Field(description="marketing, utility, authentication, service, ...")
    type: str | None = Field(description="regular (charged), free_customer_service or free_entry_point")
    billable: bool | None
    pricing_model: str | None = Field(description="PMP (per message); CBP before July 2025")


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    direction: Literal["in", "out"]
    author_type: str
    author_id: int | None
    type: str
    text: str | None
    content: Content
    status: str
    error: ErrorOut | None
    provider_message_id: str | None
    reply_to_id: int | None
    media_url: str | None
    cost_category: str | None = Field(description="the same as cost.category (kept for existing clients)")
    cost: CostOut | None = Field(default=None, description="null until a receipt reports pricing")
    sent_at: datetime | None
    created_at: datetime


MEDIA = MEDIA_TYPES


class SendMessageIn(BaseModel):
    """A reply. ``text`` is the body (text, note) or caption (image, video, document).
    Media is given by ``link`` here, or uploaded as multipart/form-data with a ``file`` part."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["text", "image", "audio", "video", "document", "sticker", "location", "reaction", "note",
                  "interactive"]
    text: str | None = None
    preview_url: bool = False
    link: str | None = Field(default=None, pattern=r"^https?://")
    filename: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    name: str | None = None
    address: str | None = None
    emoji: str | None = None
    message_id: int | None = Field(default=None, description="reaction: the message reacted to")
    reply_to_id: int | None = Field(default=None, description="quote this message of the conversation")
    kind: Literal["buttons", "quick_replies"] | None = Field(default=None, description="interactive: which kind")
    body: str | None = Field(default=None, description="interactive: the words above the options")
    buttons: list[Choice] = Field(default_factory=list, description="interactive: the options (id, title)")

    _content: Content | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _complete(self) -> SendMessageIn:
        if self.type == "location" and (self.latitude is None or self.longitude is None):
            raise ValueError("a location needs latitude and longitude")
        if self.type == "reaction" and self.message_id is None:
            raise ValueError("a reaction needs message_id, the message reacted to")
        try:
            self._content = self._typed()
        except ValidationError as exc:  # reported like the request's own fields
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"{self.type} content: {where}: {first['msg']}") from None
        return self

    def content(self) -> Content:
        """The typed content this request describes (media stored from an upload is added by the caller)."""
        assert self._content is not None
        return self._content

    def _typed(self) -> Content:
        if self.type == "text":
            return Text(body=self.text, preview_url=self.preview_url)
        if self.type in MEDIA:
            return Media.model_validate({"type": self.type, "link": self.link, "filename": self.filename,
                                         "caption": self.text if self.type in CAPTIONED else None})
        if self.type == "location":
            return Location(latitude=self.latitude, longitude=self.longitude, name=self.name, address=self.address)
        if self.type == "reaction":
            return Reaction(emoji=self.emoji or "")
        if self.type == "interactive":
            return Interactive(kind=self.kind or "buttons", body=self.body or self.text, buttons=self.buttons)
        return Note()


class ConversationPatch(BaseModel):
    """Change a conversation's state; keys left out stay as they are. ``assignee_id`` and
    ``team_id`` take null to clear; ``label_ids`` replaces the whole set."""

    model_config = ConfigDict(extra="forbid")

    status: ConversationStatus | None = None
    snoozed_until: datetime | None = Field(default=None, description="with status snoozed: when it reopens")
    priority: Priority | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    label_ids: list[int] | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _aware(self) -> ConversationPatch:
        if self.snoozed_until is not None and self.snoozed_until.tzinfo is None:
            raise ValueError("snoozed_until needs a time zone (e.g. 2026-12-01T09:00:00Z)")
        return self
