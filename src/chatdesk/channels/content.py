"""Typed message content: what a message says, one frozen model per type, channel-neutral.

Adapters produce it from webhooks and turn it into wire requests; the ``messages.content``
column stores it (``dump_content``), the REST API and the inbox read it. ``Content`` is a
union discriminated on ``type``; a message's ``type`` column keeps chatdesk's finer name
(``list_reply``, ``quick_reply`` ...), ``CONTENT_TYPE_OF`` says which content that carries.

Rows written before content was typed hold the dicts of that time (no ``type``, WhatsApp's
media ``id``, a sent template as ``{"template": {...}}``): ``parse_content`` reads them too.
Unknown keys are kept (``extra="allow"``): providers add fields, and old rows carry some.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
    model_serializer,
)

log = logging.getLogger("chatdesk.content")


class Part(BaseModel):
    """Base of every content model and part: immutable, unknown keys kept, ``None`` and empty
    lists left out of the JSON (stored rows and API answers carry only what is known)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    @model_serializer(mode="wrap")
    def _without_none(self, handler: SerializerFunctionWrapHandler):  # no return type: it would replace the schema
        return {k: v for k, v in handler(self).items() if v is not None and v != []}


class MessageContext(Part):
    """How a customer's message came about: forwarded, or about a product of the catalogue."""

    forwarded: bool | None = None
    frequently_forwarded: bool | None = None
    referred_product: dict[str, Any] | None = None


class Referral(Part):
    """The ad or post a customer came from (click-to-chat)."""

    source_url: str | None = None
    source_id: str | None = None
    source_type: str | None = None
    headline: str | None = None
    body: str | None = None
    media_type: str | None = None
    ctwa_clid: str | None = None


class BaseContent(Part):
    """What every message may carry besides its body."""

    context: MessageContext | None = None
    referral: Referral | None = None
    reply_to_provider_id: str | None = None  # the provider's id of the message this one quotes

    def media_to_fetch(self) -> str | None:
        """The provider's reference of media still to fetch into the media store, if any."""
        return None


class Text(BaseContent):
    type: Literal["text"] = "text"
    body: str | None = None  # also the message's ``text``
    preview_url: bool | None = None


MediaType = Literal["image", "audio", "video", "document", "sticker"]
MEDIA_TYPES: tuple[str, ...] = ("image", "audio", "video", "document", "sticker")


class Media(BaseContent):
    """A file: what the provider holds (inbound, or uploaded), a link (outbound), and what
    chatdesk keeps of it (the media store's key, its size, or why it could not be fetched)."""

    type: MediaType
    # WhatsApp wrote it as ``id`` (inbound) and ``media_id`` (outbound) in rows before typed content
    provider_media_id: str | None = Field(default=None, validation_alias=AliasChoices(
        "provider_media_id", "id", "media_id"))
    mime_type: str | None = None
    sha256: str | None = None
    filename: str | None = None
    caption: str | None = None
    voice: bool | None = None  # audio recorded as a voice message
    animated: bool | None = None  # sticker
    link: str | None = None  # outbound: where the provider fetches it
    stored: str | None = None  # key in chatdesk's media store
    size: int | None = None
    media_error: str | None = None  # why it could not be fetched, for the agent

    def media_to_fetch(self) -> str | None:
        return self.provider_media_id if self.stored is None else None


class Location(BaseContent):
    type: Literal["location"] = "location"
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = None
    address: str | None = None
    url: str | None = None


class ContactName(Part):
    formatted_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class ContactPhone(Part):
    phone: str | None = None
    type: str | None = None


class ContactEmail(Part):
    email: str | None = None
    type: str | None = None


class ContactCard(Part):
    name: ContactName | None = None
    phones: list[ContactPhone] = Field(default_factory=list)
    emails: list[ContactEmail] = Field(default_factory=list)
    org: dict[str, Any] | None = None


class Contacts(BaseContent):
    type: Literal["contacts"] = "contacts"
    contacts: list[ContactCard] = Field(min_length=1)


class Choice(Part):
    """A button or list row we offer, or the one the customer chose."""

    id: str
    title: str | None = None
    description: str | None = None


class Section(Part):
    title: str | None = None
    rows: list[Choice] = Field(default_factory=list)


InteractiveKind = Literal["list", "buttons", "quick_replies", "list_reply", "button_reply", "flow_reply"]
REPLY_KINDS = ("list_reply", "button_reply", "flow_reply")


class Interactive(BaseContent):
    """A list, buttons or quick replies we send (``kind`` list / buttons / quick_replies: the
    options in ``buttons``), or the customer's answer to one
    (``list_reply`` / ``button_reply`` with the ``reply`` chosen, ``flow_reply`` with the
    flow's ``response``)."""

    type: Literal["interactive"] = "interactive"
    kind: InteractiveKind
    header: str | None = None
    body: str | None = None
    footer: str | None = None
    button: str | None = None  # a list's menu label
    sections: list[Section] = Field(default_factory=list)
    buttons: list[Choice] = Field(default_factory=list)
    reply: Choice | None = None
    response: dict[str, Any] | None = None


class Button(BaseContent):
    """The customer chose an option we offered: a template's quick-reply button (WhatsApp), a
    quick reply or a postback button (Messenger, Instagram): its title in ``text``."""

    type: Literal["button"] = "button"
    payload: str | None = None
    text: str | None = None


class Reaction(BaseContent):
    """An emoji on a message (empty: the reaction was removed). ``message_id`` is the provider's
    id of that message (inbound); outbound reactions name it by the message's ``reply_to_id``."""

    type: Literal["reaction"] = "reaction"
    message_id: str | None = None
    emoji: str | None = None


class OrderItem(Part):
    product_retailer_id: str
    quantity: int
    item_price: int | float  # as sent: 30 stays 30, 12.99 stays 12.99
    currency: str


class Story(BaseContent):
    """An Instagram story the customer mentioned us in (``kind`` mention) or replied to
    (``kind`` reply, their words in ``body``). The story's link expires with the story, so its
    media is fetched into the media store at once (``stored``), like any attachment."""

    type: Literal["story"] = "story"
    kind: Literal["mention", "reply"]
    url: str | None = None
    story_id: str | None = None
    body: str | None = None
    mime_type: str | None = None
    stored: str | None = None
    size: int | None = None
    media_error: str | None = None

    def media_to_fetch(self) -> str | None:
        return self.url if self.stored is None and self.media_error is None else None


class Share(BaseContent):
    """A post or reel the customer shared with us (Instagram): a link to it, as it arrived."""

    type: Literal["share"] = "share"
    kind: str | None = None  # share | ig_reel | reel
    url: str | None = None
    title: str | None = None


class Order(BaseContent):
    type: Literal["order"] = "order"
    catalog_id: str | None = None
    text: str | None = None
    product_items: list[OrderItem] = Field(default_factory=list)


class TemplateComponent(Part):
    """One component of an approved template with its parameters (header, body, button)."""

    type: str
    sub_type: str | None = None
    index: str | int | None = None
    parameters: list[dict[str, Any]] = Field(default_factory=list)


class Template(BaseContent):
    type: Literal["template"] = "template"
    name: str
    language: str
    components: list[TemplateComponent] = Field(default_factory=list)
    category: str | None = None  # MARKETING, UTILITY or AUTHENTICATION, as the provider approved it


class Note(BaseContent):
    """A private note: its words are the message's ``text``; it never leaves chatdesk."""

    type: Literal["note"] = "note"
    mentions: list[int] = Field(default_factory=list, max_length=50)  # the agents @mentioned (user ids)


class System(BaseContent):
    """Something the platform tells about the customer (e.g. they changed their number)."""

    type: Literal["system"] = "system"
    body: str | None = None
    event: str | None = None


class ContentError(Part):
    code: int | None = None
    title: str | None = None
    details: str | None = None


class Unsupported(BaseContent):
    """A message we cannot read or do not know: kept with what arrived, never dropped."""

    type: Literal["unsupported"] = "unsupported"
    original_type: str | None = None
    raw: dict[str, Any] | None = None
    error: ContentError | None = None


Content = Annotated[Text | Media | Location | Contacts | Interactive | Button | Reaction | Order | Template
                    | Note | System | Story | Share | Unsupported, Field(discriminator="type")]
CONTENT: TypeAdapter[Content] = TypeAdapter(Content)
CONTENT_TYPES = frozenset({"text", *MEDIA_TYPES, "location", "contacts", "interactive", "button", "reaction",
                           "order", "template", "note", "system", "story", "share", "unsupported"})
# message types whose content type has another name
CONTENT_TYPE_OF = {"list_reply": "interactive", "button_reply": "interactive", "flow_reply": "interactive",
                   "quick_reply": "button", "postback": "button", "story_mention": "story",
                   "story_reply": "story"}
_COMMON = ("context", "referral", "reply_to_provider_id")


def content_type_of(message_type: str) -> str:
    """The content type a message of ``message_type`` carries."""
    kind = CONTENT_TYPE_OF.get(message_type, message_type)
    return kind if kind in CONTENT_TYPES else "unsupported"


def validate_content(data: Any) -> Content:
    """``data`` (a dict with ``type``, or content already) as typed content; raises
    ``ValidationError`` saying what is wrong."""
    return CONTENT.validate_python(data)


def dump_content(content: BaseContent) -> dict[str, Any]:
    """The JSON-ready dict stored in the column and shown by the API."""
    return content.model_dump(mode="json")


def with_values(content: Content, **values: Any) -> Content:
    """A copy of ``content`` with ``values`` set, validated again."""
    return CONTENT.validate_python({**dump_content(content), **values})


def parse_content(message_type: str, data: Mapping[str, Any] | None) -> Content:
    """A stored row's content, typed: today's rows as they are, older rows (no content ``type``:
    the shapes of before, read by the row's message type) upgraded. A row that no longer reads
    is shown as ``unsupported`` with what it held, not an error: one bad row must not cost a
    conversation's timeline."""
    raw = dict(data or {})
    try:
        if raw.get("type") in CONTENT_TYPES:  # written since content is typed: it says what it is
            return CONTENT.validate_python(raw)
        return CONTENT.validate_python(_upgrade(content_type_of(message_type), message_type, raw))
    except ValidationError as exc:
        log.warning("stored %s content does not read: %s", message_type, exc.errors(include_url=False)[:1])
        return Unsupported(original_type=message_type, raw=raw,
                           error=ContentError(title="Stored content could not be read"))


def _upgrade(kind: str, message_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """A row written before content was typed, in today's shape."""
    common = {k: data.pop(k) for k in _COMMON if k in data}
    if kind == "interactive":
        data = _old_interactive(message_type, data)
    elif kind == "template" and isinstance(data.get("template"), dict):
        t = data.pop("template")
        data = {**data, "name": t.get("name"), "language": (t.get("language") or {}).get("code"),
                "components": t.get("components") or []}
    elif kind == "system" and "type" in data:
        data["event"] = data.pop("type")
    elif kind == "unsupported" and "type" in data:
        data.setdefault("original_type", data.pop("type"))
    return {**data, **common, "type": kind}


def _old_interactive(message_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Before typed content a customer's choice was stored as the chosen row itself, a flow's
    answer as the flow's reply, and a list or buttons we sent as the WhatsApp request body."""
    if message_type in ("list_reply", "button_reply"):
        return {"kind": message_type, "reply": data}
    if message_type == "flow_reply":
        return {"kind": "flow_reply", "response": data}
    sent = data.get("interactive") or {}
    action = sent.get("action") or {}
    return {"kind": "list" if sent.get("type") == "list" else "buttons",
            "header": (sent.get("header") or {}).get("text"), "body": (sent.get("body") or {}).get("text"),
            "footer": (sent.get("footer") or {}).get("text"), "button": action.get("button"),
            "sections": action.get("sections") or [],
            "buttons": [b.get("reply") for b in action.get("buttons") or [] if b.get("reply")]}
