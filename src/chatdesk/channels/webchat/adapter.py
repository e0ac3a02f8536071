"""The web chat channel: visitors write through chatdesk's own widget API (``chatdesk.widget``),
which stores their messages as bodies this adapter parses, through the same inbound job as any
provider's webhooks. A reply is "sent" by handing it an id: the visitor's live stream reads it
from the database, and the widget's receipts move it to delivered and read."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
from pydantic import ValidationError

from ...core.settings import Settings
from .. import content
from ..base import (
    ID_USER,
    Capabilities,
    ChannelRow,
    ChannelSettings,
    Connection,
    InboundEvent,
    InboundMessageEvent,
    InboundStatusEvent,
    OutboundMessage,
    PayloadError,
    PermanentChannelError,
    SendResult,
    WebhookEntry,
)
from .payloads import TEXT_MAX, Delivery, VisitorMessage, WidgetReceipt
from .settings import WebchatSettings

MEDIA_MAX = 10 * 2**20

CAPABILITIES = Capabilities(
    kind="webchat",
    title="Web chat",
    service_window=None,  # our own widget: no provider rule limits when a business may answer
    text_max=TEXT_MAX,
    caption_max=1024,
    outbound_types=frozenset({"text", "image", "document"}),
    media_max_bytes={"image": MEDIA_MAX, "document": MEDIA_MAX},
    default_rate_mps=50.0,
    read_receipts=False,  # the widget reports reads itself; there is no provider to tell
    address_by=("id", ID_USER),
    identity_scope="channel",  # visitor ids and site user ids belong to one site's widget
)


class NoWebhook:
    """Web chat has no provider calling ``/webhooks/webchat``: no handshake, and no POST is ever
    accepted there (visitor messages arrive through the widget API)."""

    signing_secret: str = "widget_secret"
    verify_secret: str | None = None

    @staticmethod
    def handshake(query: Mapping[str, str], tokens: list[str]) -> str | None:
        return None

    @staticmethod
    def verify(raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
        return False


class WebchatAdapter:
    kind: ClassVar[str] = "webchat"
    title: ClassVar[str] = "Web chat"
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    settings_model: ClassVar[type[ChannelSettings]] = WebchatSettings
    webhook: ClassVar[WebhookEntry] = NoWebhook()
    settings_page: ClassVar[str] = "widget"  # Settings → Channels → this channel opens the widget's page

    @classmethod
    def create(cls, http: httpx.AsyncClient, settings: Settings) -> WebchatAdapter:
        return cls()

    @classmethod
    def validate(cls, values: Mapping[str, Any]) -> ChannelSettings:
        return WebchatSettings.from_values(values)

    @staticmethod
    def explain(code: int | None, title: str | None = None) -> str:
        return title or "The web chat could not deliver this message"

    @staticmethod
    def setup_note(row: ChannelRow, public_url: str) -> str:
        """What ``channel add`` prints: the snippet that embeds the widget, and the widget
        secret (shown this once) a site needs to compute ``user_hash``."""
        return (f"{embed_snippet(row.external_id, public_url)}\n"
                f"widget secret (for user_hash; shown once): {row.secrets['widget_secret']}")

    def routing_ids(self, raw: bytes) -> list[str]:
        return [_delivery(raw).channel]

    def parse(self, raw: bytes) -> list[InboundEvent]:
        d = _delivery(raw)
        return [_message(d.channel, i) if isinstance(i, VisitorMessage) else _receipt(d.channel, i)
                for i in d.items]

    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        if message.type not in CAPABILITIES.outbound_types:
            raise PermanentChannelError(f"the web chat does not show {message.type} messages")
        # nothing leaves here: the visitor's stream reads the stored message
        return SendResult("wco_" + secrets.token_urlsafe(12), message.to)

    async def mark_read(self, conn: Connection, provider_message_id: str) -> None:
        return None

    async def fetch_media(self, conn: Connection, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        raise PermanentChannelError("web chat attachments are stored when uploaded")

    async def health(self, conn: Connection) -> dict[str, Any]:
        return {"status": "ok"}


def embed_snippet(public_key: str, public_url: str) -> str:
    return f'<script src="{public_url.rstrip("/")}/widget/{public_key}.js" async></script>'


def _delivery(raw: bytes) -> Delivery:
    try:
        return Delivery.model_validate_json(raw)
    except ValidationError as exc:
        raise PayloadError(str(exc)) from None


def _message(channel: str, m: VisitorMessage) -> InboundMessageEvent:
    body: content.Content
    if m.media_url and m.media_type:
        body = content.Media(type=m.media_type, stored=m.media_url, mime_type=m.mime_type,
                             filename=m.filename, caption=m.text)
    else:
        body = content.Text(body=m.text or "")
    return InboundMessageEvent(
        channel_external_id=channel, provider_message_id=m.id, sender_id=m.visitor, sender_name=m.name,
        sent_at=m.sent_at, type=body.type, text=m.text, content=body, raw=m.model_dump(mode="json"),
        sender_id_type=m.id_type, sender_email=m.email)


def _receipt(channel: str, r: WidgetReceipt) -> InboundStatusEvent:
    return InboundStatusEvent(channel_external_id=channel, provider_message_id=r.message_id, status=r.status,
                              occurred_at=r.at, recipient_id=r.visitor)
