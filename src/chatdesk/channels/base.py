"""The channel contract: what every messaging platform adapter offers and the neutral types it
speaks. Differences between platforms are data (``Capabilities``), not ``if kind ==`` branches.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from ..core.settings import Settings
from .content import Content
from .interactive_limits import InteractiveLimits

# What kind of id a channel knows a customer by (``contact_identities.id_type``). Most channels
# have one (ID_DEFAULT: a PSID, an IGSID, a visitor id); a channel may have several for one
# person (a phone number, and a platform user id that survives a number change).
ID_DEFAULT = "id"
ID_PHONE = "phone"
ID_USER = "user_id"


@dataclass(frozen=True)
class PartyId:
    """One id a channel knows a customer by, with its kind."""

    value: str
    type: str = ID_DEFAULT


@dataclass(frozen=True)
class Capabilities:
    """What a channel allows; policy functions read these instead of switching on the kind."""

    kind: str
    title: str  # the platform's name as people write it, for texts shown to agents
    service_window: timedelta | None  # free-form replies allowed this long after the last inbound
    text_max: int
    caption_max: int
    outbound_types: frozenset[str]
    media_max_bytes: dict[str, int]
    default_rate_mps: float
    read_receipts: bool = True
    # The id types a send can be addressed to, most preferred first (a contact is addressed by
    # the first of these it has on the channel).
    address_by: tuple[str, ...] = (ID_DEFAULT,)
    # "global": the customer's id is the same on every channel of the kind (WhatsApp's wa_id is
    # the phone number), so one contact writing to two of a workspace's numbers stays one contact;
    # "channel": ids are scoped per page / account (Messenger PSID, Instagram IGSID).
    identity_scope: Literal["global", "channel"] = "channel"
    # error codes of a send the provider accepted and then failed because the service window was
    # closed (WhatsApp's 131047): the window is closed whatever our clock says
    window_closed_errors: frozenset[int] = frozenset()
    # error codes meaning the channel's credentials were refused (WhatsApp's 190): the channel
    # needs re-authorisation, and its sends wait for it instead of failing
    reauth_errors: frozenset[int] = frozenset()
    # the lists, buttons or quick replies the channel sends and their limits (None: none)
    interactive: InteractiveLimits | None = None
    # After ``service_window`` a human agent may still reply until this long after the customer's
    # last message (Messenger and Instagram: 7 days with the HUMAN_AGENT tag); None: no such grace
    human_agent_window: timedelta | None = None
    # the adapter can look customers up (``ProfileSource``): their name and picture are fetched
    profiles: bool = False
    # the MIME types (without parameters) a file of each media type may have; a type not named
    # here takes any file (the provider decides)
    media_mime_types: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass
class InboundMessageEvent:
    """A customer's message, parsed out of a webhook into channel-neutral form."""

    channel_external_id: str
    provider_message_id: str
    sender_id: str
    sender_name: str | None
    sent_at: datetime | None  # None: the provider's time could not be read (stored as received)
    type: str
    text: str | None
    content: Content  # media to fetch: a ``Media`` with a ``provider_media_id``
    raw: dict[str, Any]
    reply_to_provider_id: str | None = None
    sender_id_type: str = ID_DEFAULT
    # Other ids the same person is known by (their phone next to their user id; a new number
    # they changed to), and their handle and parent id: never used to address them.
    sender_alt_ids: tuple[PartyId, ...] = ()
    sender_username: str | None = None
    sender_parent_id: str | None = None
    # An email the person typed (a web chat pre-chat form): not vouched for, so it can only
    # suggest a merge with a contact that has it, never join one (contacts/join.py)
    sender_email: str | None = None
    # The business sent it from another tool (Meta's echoes): stored as outbound by "external";
    # ``sender_id`` is then the customer it went to.
    from_business: bool = False

    def sender_ids(self) -> tuple[PartyId, ...]:
        """Every id of the sender, the primary one first."""
        return (PartyId(self.sender_id, self.sender_id_type), *self.sender_alt_ids)


@dataclass
class InboundStatusEvent:
    """A delivery receipt for a message we sent."""

    channel_external_id: str
    provider_message_id: str
    status: str  # sent | delivered | read | failed
    occurred_at: datetime
    recipient_id: str | None = None
    error_code: int | None = None
    error_title: str | None = None
    error_detail: str | None = None
    pricing: dict[str, Any] | None = None
    tracking: str | None = None  # the tag we sent the message with (``OutboundMessage.tracking``)
    # The recipient's ids as the receipt reports them (phone and user id, when both are known),
    # their handle and parent id: attached to the contact of the message if new.
    recipient_ids: tuple[PartyId, ...] = ()
    recipient_username: str | None = None
    recipient_parent_id: str | None = None


@dataclass
class InboundWatermarkEvent:
    """A receipt given as a time (Messenger's ``read`` / ``delivery`` watermark): every message we
    sent ``recipient_id`` up to ``up_to`` reached ``status``."""

    channel_external_id: str
    recipient_id: str
    status: str  # delivered | read
    up_to: datetime


@dataclass
class UnreadableItem:
    """An item of a delivery that could not be read at all (no id to store it under): nothing
    is stored for it, and the reason is kept on the stored body, which can be replayed."""

    channel_external_id: str
    reason: str


@dataclass
class InboundTemplateEvent:
    """A message template's status or quality changed at the provider (``None``: not said).
    ``channel_external_id`` is a routing id of the account (see the adapter's ``routing_ids``)."""

    channel_external_id: str
    provider_id: str | None
    name: str | None
    language: str | None
    status: str | None = None
    reason: str | None = None
    quality: str | None = None


@dataclass
class NumberStatusEvent:
    """The provider changed a business number's messaging limit tier or quality rating
    (WhatsApp: ``phone_number_quality_update``). Such webhooks name the number by its display
    phone number and its account, not its id: ``channel_external_id`` is empty and the number is
    found by ``display_number`` (and ``account_id`` when the channel knows its account)."""

    channel_external_id: str
    display_number: str
    account_id: str | None
    event: str | None
    tier: str | None  # the provider's tier name (TIER_250 ... TIER_UNLIMITED); None: not said
    quality: str | None  # GREEN, YELLOW, RED; None: not said
    occurred_at: datetime | None = None


InboundEvent = (InboundMessageEvent | InboundStatusEvent | InboundTemplateEvent | NumberStatusEvent
                | InboundWatermarkEvent | UnreadableItem)


@dataclass
class OutboundMessage:
    """What to send. ``content`` is the typed content as stored on the Message."""

    type: str
    to: str
    content: Content
    text: str | None = None
    to_type: str = ID_DEFAULT  # which kind of id ``to`` is (one of the channel's ``address_by``)
    reply_to_provider_id: str | None = None
    media_bytes: bytes | None = None  # for upload; else the content's link or provider_media_id
    # An opaque tag the provider repeats on this message's receipts (WhatsApp:
    # biz_opaque_callback_data), so a send whose answer was lost is recognised by its receipts.
    tracking: str | None = None
    # Past the standard window but inside the channel's ``human_agent_window``: the message goes
    # out as a human agent's (Messenger and Instagram: MESSAGE_TAG + HUMAN_AGENT).
    human_agent: bool = False


@dataclass
class SendResult:
    provider_message_id: str
    recipient_id: str | None = None  # the recipient's id as the provider answered it


@dataclass
class Connection:
    """Everything an adapter needs to act for one channel: ids, decrypted secrets, endpoint."""

    external_id: str
    config: dict[str, Any]
    secrets: dict[str, Any]


# A provider error code and title → the sentence an agent reads (an adapter's ``explain``).
Explain = Callable[[int | None, str | None], str]


class ChannelError(Exception):
    """A provider refused or failed. ``code`` is the provider's error code when it gave one."""

    def __init__(self, title: str, *, code: int | None = None, detail: str | None = None,
                 http_status: int | None = None):
        super().__init__(f"({code}) {title}" if code is not None else title)
        self.title, self.code, self.detail, self.http_status = title, code, detail, http_status
        self.subcode: int | None = None  # the provider's finer code, when it gave one


class RetriableChannelError(ChannelError):
    """Worth trying again later (network, 5xx, throttling)."""

    def __init__(self, title: str, *, retry_after: float | None = None, maybe_delivered: bool = False, **kw: Any):
        super().__init__(title, **kw)
        self.retry_after = retry_after
        # The request may have reached the provider (the connection failed after sending it):
        # trying again at once could deliver the message twice.
        self.maybe_delivered = maybe_delivered


class PermanentChannelError(ChannelError):
    """Trying again will not help (window closed, bad token, invalid parameter...)."""


@dataclass(frozen=True)
class ChannelRow:
    """What a channel's settings store: the provider id, what agents see, non-secret config and
    the secrets (encrypted at rest by ``channels.service``)."""

    external_id: str
    display: str
    config: dict[str, Any]
    secrets: dict[str, Any]
    rate_limit_mps: float = 80.0

    def connection(self) -> Connection:
        return Connection(self.external_id, self.config, self.secrets)


class InvalidSettings(ValueError):
    """A channel setting is not valid: ``field`` names it (CLI: ``--field-name``; form: its label)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class ChannelSettings(BaseModel):
    """A kind's settings and secrets, typed. Subclasses declare their fields with a ``title`` and
    a ``description`` (the CLI's ``--help`` and the connect form's labels) and mark them through
    ``json_schema_extra``:

    - ``secret``: stored encrypted, never shown again (a password input in the form);
    - ``form: False``: not asked in the browser (a default, generated or filled from the health
      check: a health record's key that names a field fills that field when it was left blank);
    - ``cli_required``: the CLI insists on it although the browser does not;
    - ``wide``: the form gives it a full row; ``numeric``: the browser offers a digit keypad;
      ``url``: a URL input; ``placeholder``: an example shown in the empty input.
    """

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")

    def to_row(self) -> ChannelRow:
        raise NotImplementedError

    @classmethod
    def flag(cls, name: str, key: str) -> Any:
        extra = cls.model_fields[name].json_schema_extra
        return extra.get(key) if isinstance(extra, dict) else None

    @classmethod
    def form_fields(cls) -> list[str]:
        """The fields the browser's connect form asks for, in declaration order."""
        return [name for name in cls.model_fields if cls.flag(name, "form") is not False]

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ChannelSettings:
        """Validated settings, or ``InvalidSettings`` naming the first bad field."""
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            message = first["msg"].removeprefix("Value error, ")
            raise InvalidSettings(field, "is required" if first["type"] == "missing" else message) from None


class WebhookEntry(Protocol):
    """How a kind's provider calls us: the GET handshake and the POST signature check. The
    secrets are read from each channel's stored secrets under the names given here."""

    signing_secret: str  # the secret that signs POST bodies
    verify_secret: str | None  # the secret the GET handshake must present (None: no handshake)

    def handshake(self, query: Mapping[str, str], tokens: list[str]) -> str | None: ...
    def verify(self, raw: bytes, headers: Mapping[str, str], secret: str) -> bool: ...


class ChannelAdapter(Protocol):
    """One messaging platform. Adapters never touch the database.

    The class attributes (``kind``, ``title``, ``capabilities``, ``settings_model``,
    ``webhook``) and ``validate``/``explain`` are usable without an instance (no HTTP client):
    the CLI builds its options from them.
    """

    kind: ClassVar[str]
    title: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    settings_model: ClassVar[type[ChannelSettings]]
    webhook: ClassVar[WebhookEntry]

    @classmethod
    def create(cls, http: httpx.AsyncClient, settings: Settings) -> ChannelAdapter: ...
    @classmethod
    def validate(cls, values: Mapping[str, Any]) -> ChannelSettings: ...
    @staticmethod
    def explain(code: int | None, title: str | None = None) -> str: ...
    def routing_ids(self, raw: bytes) -> list[str]: ...
    def parse(self, raw: bytes) -> list[InboundEvent]: ...
    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult: ...
    async def mark_read(self, conn: Connection, provider_message_id: str) -> None: ...
    async def fetch_media(self, conn: Connection, media_id: str, max_bytes: int) -> tuple[bytes, str]: ...
    async def health(self, conn: Connection) -> dict[str, Any]: ...


@dataclass(frozen=True)
class CustomerProfile:
    """What a platform shows of a customer: their name and a link to their picture."""

    name: str | None
    picture_url: str | None


@runtime_checkable
class ProfileSource(Protocol):
    """An adapter that can look a customer up (Messenger, Instagram: ``GET /{PSID}``)."""

    async def profile(self, conn: Connection, customer_id: str) -> CustomerProfile: ...


class PayloadError(ValueError):
    """A webhook body that is not what the platform sends."""
