"""The channel contract: what every messaging platform adapter offers and the neutral types it
speaks. Differences between platforms are data (``Capabilities``), not ``if kind ==`` branches.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from .content import Content


@dataclass(frozen=True)
class Capabilities:
    """What a channel allows; policy functions read these instead of switching on the kind."""

    kind: str
    service_window: timedelta | None  # free-form replies allowed this long after the last inbound
    text_max: int
    caption_max: int
    outbound_types: frozenset[str]
    media_max_bytes: dict[str, int]
    default_rate_mps: float
    read_receipts: bool = True
    identity_is_phone: bool = False  # the customer's id on the channel is their phone number


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


@dataclass
class UnreadableItem:
    """An item of a delivery that could not be read at all (no id to store it under): nothing
    is stored for it, and the reason is kept on the stored body, which can be replayed."""

    channel_external_id: str
    reason: str


InboundEvent = InboundMessageEvent | InboundStatusEvent | UnreadableItem


@dataclass
class OutboundMessage:
    """What to send. ``content`` is the typed content as stored on the Message."""

    type: str
    to: str
    content: Content
    text: str | None = None
    reply_to_provider_id: str | None = None
    media_bytes: bytes | None = None  # for upload; else the content's link or provider_media_id
    # An opaque tag the provider repeats on this message's receipts (WhatsApp:
    # biz_opaque_callback_data), so a send whose answer was lost is recognised by its receipts.
    tracking: str | None = None


@dataclass
class SendResult:
    provider_message_id: str
    recipient_id: str | None = None


@dataclass
class Connection:
    """Everything an adapter needs to act for one channel: ids, decrypted secrets, endpoint."""

    external_id: str
    config: dict[str, Any]
    secrets: dict[str, Any]


class ChannelError(Exception):
    """A provider refused or failed. ``code`` is the provider's error code when it gave one."""

    def __init__(self, title: str, *, code: int | None = None, detail: str | None = None,
                 http_status: int | None = None):
        super().__init__(f"({code}) {title}" if code is not None else title)
        self.title, self.code, self.detail, self.http_status = title, code, detail, http_status


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


class ChannelAdapter(Protocol):
    """One messaging platform. Adapters never touch the database."""

    kind: str
    capabilities: Capabilities

    def verify_signature(self, raw: bytes, headers: dict[str, str], secret: str) -> bool: ...
    def routing_ids(self, raw: bytes) -> list[str]: ...
    def parse(self, raw: bytes) -> list[InboundEvent]: ...
    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult: ...
    async def mark_read(self, conn: Connection, provider_message_id: str) -> None: ...
    async def fetch_media(self, conn: Connection, media_id: str, max_bytes: int) -> tuple[bytes, str]: ...
    async def check(self, conn: Connection) -> dict[str, Any]: ...


class PayloadError(ValueError):
    """A webhook body that is not what the platform sends."""
