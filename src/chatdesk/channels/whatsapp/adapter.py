"""The WhatsApp Cloud API channel: webhooks in, Graph API calls out."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from ...core.settings import Settings
from ..base import (
    Capabilities,
    ChannelSettings,
    Connection,
    InboundEvent,
    OutboundMessage,
    PermanentChannelError,
    SendResult,
    WebhookEntry,
)
from ..meta import errors
from ..meta.graph import GraphClient
from ..meta.webhook import META_WEBHOOK
from . import inbound
from . import payloads as wa
from .settings import WhatsAppSettings

CAPABILITIES = Capabilities(
    kind="whatsapp",
    title="WhatsApp",
    service_window=timedelta(hours=24),
    text_max=4096,
    caption_max=1024,
    outbound_types=frozenset({"text", "image", "audio", "video", "document", "sticker", "location",
                              "reaction", "interactive", "template", "contacts"}),
    media_max_bytes={"image": 5 * 2**20, "audio": 16 * 2**20, "video": 16 * 2**20,
                     "document": 100 * 2**20, "sticker": 500 * 2**10},
    default_rate_mps=80.0,
    identity_is_phone=True,
    identity_scope="global",  # the wa_id is the customer's phone number, the same on every number
)


class WhatsAppAdapter:
    kind: ClassVar[str] = "whatsapp"
    title: ClassVar[str] = "WhatsApp"
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    settings_model: ClassVar[type[ChannelSettings]] = WhatsAppSettings
    webhook: ClassVar[WebhookEntry] = META_WEBHOOK

    @staticmethod
    def explain(code: int | None, title: str | None = None) -> str:
        return errors.explain(code, title)

    def __init__(self, http: httpx.AsyncClient, *, graph_url: str, graph_version: str):
        self.http = http
        self.graph_url = graph_url
        self.graph_version = graph_version

    @classmethod
    def create(cls, http: httpx.AsyncClient, settings: Settings) -> WhatsAppAdapter:
        return cls(http, graph_url=settings.graph_url, graph_version=settings.graph_version)

    @classmethod
    def validate(cls, values: Mapping[str, Any]) -> ChannelSettings:
        """Checks that need no network call: ids are digits, secrets not blank, URL http(s)."""
        return WhatsAppSettings.from_values(values)

    def _graph(self, conn: Connection) -> GraphClient:
        return GraphClient(self.http, conn.config.get("graph_url") or self.graph_url,
                           conn.config.get("graph_version") or self.graph_version,
                           conn.secrets["access_token"])

    # --------------------------------------------------------------- inbound
    def routing_ids(self, raw: bytes) -> list[str]:
        return inbound.routing_ids(raw)

    def parse(self, raw: bytes) -> list[InboundEvent]:
        return inbound.parse_events(raw)

    # --------------------------------------------------------------- outbound
    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        graph = self._graph(conn)
        body = await self._request(graph, conn, message)
        data = await graph.call("POST", f"{conn.external_id}/messages", json=body.wire())
        response = wa.SendResponse.model_validate(data)
        if not response.messages:
            raise PermanentChannelError("the Graph API accepted the message but returned no id")
        recipient = response.contacts[0].wa_id if response.contacts else None
        return SendResult(response.messages[0].id, recipient)

    async def _request(self, graph: GraphClient, conn: Connection, m: OutboundMessage) -> wa.SendRequest:
        req = wa.SendRequest(recipient_type="individual", to=m.to, type=m.type,
                             biz_opaque_callback_data=m.tracking)
        if m.reply_to_provider_id and m.type != "reaction":
            req.context = wa.SendContext(message_id=m.reply_to_provider_id)
        c = m.content
        if m.type == "text":
            req.text = wa.SendText(body=m.text or "", preview_url=bool(c.get("preview_url", False)))
        elif m.type in wa.MEDIA_TYPES:
            media_id = c.get("media_id")
            if m.media_bytes is not None and not media_id:
                media_id = await self.upload(graph, conn, m.media_bytes, c.get("mime_type") or "application/octet-stream",
                                             c.get("filename") or "file")
            caption = m.text if m.type in ("image", "video", "document") else None
            setattr(req, m.type, wa.SendMedia(id=media_id, link=None if media_id else c.get("link"),
                                              caption=caption or None,
                                              filename=c.get("filename") if m.type == "document" else None))
        elif m.type == "location":
            req.location = wa.Location(**{k: c[k] for k in ("latitude", "longitude", "name", "address") if k in c})
        elif m.type == "reaction":
            req.reaction = wa.SendReaction(message_id=m.reply_to_provider_id or c.get("message_id", ""),
                                           emoji=c.get("emoji", ""))
        elif m.type in ("interactive", "template"):
            setattr(req, m.type, c[m.type])
        elif m.type == "contacts":
            req.contacts = c["contacts"]
        else:
            raise PermanentChannelError(f"WhatsApp cannot send a {m.type!r} message", code=131051)
        return req

    async def upload(self, graph: GraphClient, conn: Connection, data: bytes, mime: str, filename: str) -> str:
        result = await graph.call("POST", f"{conn.external_id}/media",
                                  data={"messaging_product": "whatsapp", "type": mime},
                                  files={"file": (filename, data, mime)})
        return wa.MediaUploadResponse.model_validate(result).id

    async def mark_read(self, conn: Connection, provider_message_id: str) -> None:
        body = wa.SendRequest(status="read", message_id=provider_message_id)
        await self._graph(conn).call("POST", f"{conn.external_id}/messages", json=body.wire())

    async def fetch_media(self, conn: Connection, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        graph = self._graph(conn)
        info = wa.MediaInfo.model_validate(await graph.call("GET", media_id,
                                                            params={"phone_number_id": conn.external_id}))
        data, mime = await graph.download(info.url, max_bytes)
        return data, info.mime_type or mime

    async def health(self, conn: Connection) -> dict[str, Any]:
        """Does the token work for this number? (``GET /{phone-number-id}``): the number's name,
        display number and quality rating, as the health record keeps them."""
        info = await self._graph(conn).call("GET", conn.external_id)
        return {key: info.get(key) for key in ("verified_name", "display_phone_number", "quality_rating")}
