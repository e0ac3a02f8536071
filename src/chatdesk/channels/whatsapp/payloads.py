"""Pydantic models of the WhatsApp Cloud API wire format (webhooks, send requests, responses).

These are the typed boundary for both chatdesk's adapter and the sandbox emulator. Every model
tolerates unknown fields (Meta adds fields without versioning) and keeps them, so the raw payload
is never lost: ``model_dump(by_alias=True, exclude_none=True)`` gives back what arrived.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator


class Wire(BaseModel):
    """Base for wire models: unknown fields are kept, names follow the wire (``from`` aliased)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        """The JSON-ready dict as it travels on the wire."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def number_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def blank_as_none(value: Any) -> Any:
    """A phone field of a user who keeps their number private: the Dec-2025 revision sent ``""``,
    the 2026 one leaves it out; both read as None (and numbers as text, as ``LenientStr``)."""
    return None if value == "" else number_as_text(value)


# An id Meta may leave out or send empty: read as None when it carries nothing.
OptionalId = Annotated[str | None, BeforeValidator(blank_as_none)]


# An id a record is known by (a message's wamid): an empty one names nothing, so it is refused
# like a missing one (the item is reported unreadable, never stored under "").
RequiredId = Annotated[str, StringConstraints(min_length=1)]


# A string Meta documents as a string (epoch seconds, wa_ids) that senders sometimes write as a
# JSON number: read either way on inbound webhooks (outbound bodies stay strict).
LenientStr = Annotated[str, BeforeValidator(number_as_text)]


# ----------------------------------------------------------------------------- inbound messages


class Profile(Wire):
    name: str | None = None
    username: str | None = None   # "@robin.vale", only for users who adopted one (a handle, never an id)


class WebhookContact(Wire):
    """Who a change is about. Since April 2026 ``user_id`` (the business-scoped user id, BSUID)
    is always there and ``wa_id`` (the phone number) only while the user shares it: absent, or
    ``""`` in the Dec-2025 revision, which reads as absent."""

    wa_id: OptionalId = None
    user_id: OptionalId = None
    parent_user_id: OptionalId = None
    profile: Profile | None = None


class Metadata(Wire):
    display_phone_number: str
    phone_number_id: str


class ErrorData(Wire):
    details: str | None = None


class WireError(Wire):
    """An error as webhooks carry it: ``{code, title, message, error_data{details}, href}``."""

    code: int
    title: str | None = None
    message: str | None = None
    error_data: ErrorData | None = None
    href: str | None = None


class Text(Wire):
    body: str


class Media(Wire):
    """image, audio, video, document and sticker bodies share this shape."""

    id: str | None = None
    mime_type: str | None = None
    sha256: str | None = None
    caption: str | None = None
    filename: str | None = None
    voice: bool | None = None
    animated: bool | None = None
    url: str | None = None


class Location(Wire):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


class ContactName(Wire):
    formatted_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class ContactPhone(Wire):
    phone: str | None = None
    wa_id: str | None = None
    type: str | None = None


class ContactCard(Wire):
    name: ContactName | None = None
    phones: list[ContactPhone] = Field(default_factory=list)
    emails: list[dict[str, Any]] = Field(default_factory=list)
    org: dict[str, Any] | None = None


class Reply(Wire):
    """A chosen button or list row: ``button_reply`` / ``list_reply``."""

    id: str
    title: str | None = None
    description: str | None = None


class InteractiveReply(Wire):
    type: str
    button_reply: Reply | None = None
    list_reply: Reply | None = None
    nfm_reply: dict[str, Any] | None = None


class ButtonReply(Wire):
    """A template quick-reply button tap (``type: button``)."""

    payload: str | None = None
    text: str | None = None


class Reaction(Wire):
    message_id: str
    emoji: str | None = None


class OrderItem(Wire):
    product_retailer_id: str
    quantity: int
    item_price: int | float   # as sent: 30 stays 30, 12.99 stays 12.99
    currency: str


class Order(Wire):
    catalog_id: str | None = None
    text: str | None = None
    product_items: list[OrderItem] = Field(default_factory=list)


class Context(Wire):
    from_: str | None = Field(default=None, alias="from")
    id: str | None = None
    forwarded: bool | None = None
    frequently_forwarded: bool | None = None
    referred_product: dict[str, Any] | None = None


class Referral(Wire):
    source_url: str | None = None
    source_id: str | None = None
    source_type: str | None = None
    headline: str | None = None
    body: str | None = None
    media_type: str | None = None
    ctwa_clid: str | None = None


class InboundMessage(Wire):
    """One item of ``value.messages[]``. ``type`` decides which body field is set. The sender is
    ``from_user_id`` (BSUID, always sent since April 2026) and ``from`` (phone, only while shared);
    at least one of them is there."""

    from_: OptionalId = Field(default=None, alias="from")
    from_user_id: OptionalId = None
    from_parent_user_id: OptionalId = None
    id: RequiredId
    timestamp: LenientStr
    type: str
    text: Text | None = None
    image: Media | None = None
    audio: Media | None = None
    video: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    location: Location | None = None
    contacts: list[ContactCard] | None = None
    interactive: InteractiveReply | None = None
    button: ButtonReply | None = None
    reaction: Reaction | None = None
    order: Order | None = None
    system: dict[str, Any] | None = None
    context: Context | None = None
    referral: Referral | None = None
    errors: list[WireError] | None = None

    @model_validator(mode="after")
    def _has_a_sender(self) -> InboundMessage:
        if not (self.from_ or self.from_user_id):
            raise ValueError("neither from nor from_user_id: no sender")
        return self


# ----------------------------------------------------------------------------- statuses


class Pricing(Wire):
    billable: bool | None = None
    pricing_model: str | None = None
    category: str | None = None
    type: str | None = None


class ConversationOrigin(Wire):
    type: str | None = None


class StatusConversation(Wire):
    id: str | None = None
    expiration_timestamp: str | None = None
    origin: ConversationOrigin | None = None


class Status(Wire):
    """One item of ``value.statuses[]``: a delivery receipt for a message the business sent."""

    id: RequiredId
    status: str
    timestamp: LenientStr
    recipient_id: OptionalId = None   # the phone, when sent by ``to`` and the number is shared
    recipient_user_id: OptionalId = None   # the BSUID (when sent by ``recipient``; some say always)
    recipient_parent_user_id: OptionalId = Field(
        default=None, validation_alias=AliasChoices("recipient_parent_user_id", "parent_recipient_user_id"))
    biz_opaque_callback_data: str | None = None
    conversation: StatusConversation | None = None
    pricing: Pricing | None = None
    errors: list[WireError] | None = None


# ----------------------------------------------------------------------------- envelope


class ChangeValue(Wire):
    messaging_product: str | None = None
    metadata: Metadata | None = None
    contacts: list[WebhookContact] | None = None
    messages: list[InboundMessage] | None = None
    statuses: list[Status] | None = None
    errors: list[WireError] | None = None


class Change(Wire):
    field: str
    value: ChangeValue


class Entry(Wire):
    id: str
    changes: list[Change] = Field(default_factory=list)


class WebhookEnvelope(Wire):
    """The body of a WhatsApp webhook POST (``object: whatsapp_business_account``)."""

    object: str
    entry: list[Entry] = Field(default_factory=list)

    def phone_number_ids(self) -> list[str]:
        """Every business number this delivery is addressed to, in order, without repeats."""
        seen: dict[str, None] = {}
        for entry in self.entry:
            for change in entry.changes:
                if change.value.metadata:
                    seen.setdefault(change.value.metadata.phone_number_id)
        return list(seen)


class QualityUpdate(Wire):
    """A ``phone_number_quality_update`` change's value (Meta's webhook reference, updated May 21,
    2026): the number, the event (ONBOARDING, THROUGHPUT_UPGRADE; earlier FLAGGED, UNFLAGGED,
    UPGRADE, DOWNGRADE) and its limit. ``current_limit``/``old_limit`` are "removed in February
    2026" in favour of ``max_daily_conversations_per_business``; both are read."""

    display_phone_number: str
    event: str | None = None
    current_limit: str | None = None
    old_limit: str | None = None
    max_daily_conversations_per_business: str | None = None

    @property
    def tier(self) -> str | None:
        return self.max_daily_conversations_per_business or self.current_limit


class _LooseValue(BaseModel):
    model_config = ConfigDict(extra="allow")  # other fields' values (quality updates) are read apart

    metadata: dict[str, Any] | None = None
    contacts: list[Any] | None = None
    messages: list[Any] | None = None
    statuses: list[Any] | None = None
    # message_template_status_update / message_template_quality_update (SPEC §2.6)
    event: str | None = None
    message_template_id: int | str | None = None
    message_template_name: str | None = None
    message_template_language: str | None = None
    reason: str | None = None
    new_quality_score: str | None = None


class _LooseChange(BaseModel):
    field: str = ""
    value: _LooseValue


class _LooseEntry(BaseModel):
    id: Any = None  # the business account's id; like ``time``, read leniently
    time: Any = None  # epoch seconds; read leniently (a bad one must not cost the entry)
    changes: list[_LooseChange] = Field(default_factory=list)


class LooseEnvelope(BaseModel):
    """A webhook with its contacts, messages and statuses left raw, so each is read on its own:
    one malformed message must not cost the other messages of the same delivery."""

    object: str
    entry: list[_LooseEntry] = Field(default_factory=list)


class _RoutedMetadata(BaseModel):
    phone_number_id: str


class _RoutedValue(BaseModel):
    metadata: _RoutedMetadata | None = None


class _RoutedChange(BaseModel):
    field: str = ""
    value: _RoutedValue


class _RoutedEntry(BaseModel):
    id: str = ""
    changes: list[_RoutedChange] = Field(default_factory=list)


TEMPLATE_FIELDS = ("message_template_status_update", "message_template_quality_update")


def account_route(waba_id: str) -> str:
    """The routing id of a business account's own webhooks (templates): the channels whose
    ``waba_id`` setting it is (``ChannelDirectory`` reads ``key=value`` routing ids so)."""
    return f"waba_id={waba_id}"


class RoutingEnvelope(BaseModel):
    """Just enough of a webhook to route it: the object and the business numbers. The webhook
    endpoint reads this, not ``WebhookEnvelope``: building every message model there cost a
    twentieth of a request, and the worker parses the whole body anyway (a body that passes
    here but not there is stored and kept with its error, not refused: Meta would retry a 400
    for days and then turn the webhook off)."""

    object: str
    entry: list[_RoutedEntry] = Field(default_factory=list)

    def phone_number_ids(self) -> list[str]:
        """Every business number this delivery is addressed to, in order, without repeats."""
        return list(dict.fromkeys(c.value.metadata.phone_number_id if c.value.metadata else account_route(e.id)
                                  for e in self.entry for c in e.changes
                                  if c.value.metadata or (c.field in TEMPLATE_FIELDS and e.id)))


# ----------------------------------------------------------------------------- outbound


class SendContext(Wire):
    message_id: str


class SendText(Wire):
    body: str
    preview_url: bool | None = None


class SendMedia(Wire):
    id: str | None = None
    link: str | None = None
    caption: str | None = None
    filename: str | None = None


class SendReaction(Wire):
    message_id: str
    emoji: str = ""


class SendRequest(Wire):
    """``POST /{version}/{phone-number-id}/messages`` body (send, or mark-as-read with ``status``)."""

    messaging_product: Literal["whatsapp"] = "whatsapp"
    recipient_type: str | None = None
    to: str | None = None          # the phone number ...
    recipient: str | None = None   # ... or the BSUID / parent BSUID (2026): we set exactly one
    type: str | None = None
    context: SendContext | None = None
    biz_opaque_callback_data: str | None = None
    text: SendText | None = None
    image: SendMedia | None = None
    audio: SendMedia | None = None
    video: SendMedia | None = None
    document: SendMedia | None = None
    sticker: SendMedia | None = None
    location: Location | None = None
    reaction: SendReaction | None = None
    interactive: dict[str, Any] | None = None
    template: dict[str, Any] | None = None
    contacts: list[dict[str, Any]] | None = None
    # mark as read
    status: str | None = None
    message_id: str | None = None
    typing_indicator: dict[str, Any] | None = None


class SendResponseContact(Wire):
    """``input`` echoes the address; ``wa_id`` answers a send by phone, ``user_id`` one by BSUID."""

    input: str
    wa_id: OptionalId = None
    user_id: OptionalId = None


class SendResponseMessage(Wire):
    id: str
    message_status: str | None = None


class SendResponse(Wire):
    messaging_product: str = "whatsapp"
    contacts: list[SendResponseContact] = Field(default_factory=list)
    messages: list[SendResponseMessage] = Field(default_factory=list)


class GraphErrorBody(Wire):
    message: str
    type: str = "OAuthException"
    code: int
    error_subcode: int | None = None
    error_data: dict[str, Any] | None = None
    error_user_title: str | None = None
    error_user_msg: str | None = None
    is_transient: bool | None = None
    fbtrace_id: str | None = None


class GraphError(Wire):
    """The Graph API error envelope ``{"error": {...}}``."""

    error: GraphErrorBody


class MediaUploadResponse(Wire):
    id: str


class MediaInfo(Wire):
    """``GET /{version}/{media-id}``: where to download a media object, for five minutes."""

    messaging_product: str = "whatsapp"
    url: str
    mime_type: str
    sha256: str | None = None
    file_size: str | int | None = None
    id: str


MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
