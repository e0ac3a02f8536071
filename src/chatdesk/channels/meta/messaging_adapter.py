"""What Messenger and Instagram adapters share: webhooks in (``messaging_inbound``), the Send API
out, attachments and profiles from the Graph API. A kind subclasses ``MessagingAdapter`` and
declares its ``kind``, ``webhook_object``, capabilities and settings; the wire is the same.

Sends carry our tracking tag as ``metadata``, which Meta repeats on the echo: an echo of our own
send is a receipt, not a second message (``messaging_inbound``). Outside the standard window a
human agent's reply goes as ``MESSAGE_TAG`` + ``HUMAN_AGENT`` (``OutboundMessage.human_agent``).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from ...core.settings import Settings
from .. import content
from ..base import (
    Capabilities,
    ChannelError,
    ChannelSettings,
    Connection,
    CustomerProfile,
    InboundEvent,
    OutboundMessage,
    PermanentChannelError,
    SendResult,
    WebhookEntry,
)
from . import messaging_errors
from . import messaging_inbound as inbound
from . import messaging_payloads as wire
from .graph import GraphClient
from .media_egress import MediaPolicy
from .webhook import META_WEBHOOK

ATTACHMENT_TYPE = {"image": "image", "video": "video", "audio": "audio", "document": "file"}


class MessagingAdapter:
    kind: ClassVar[str]
    title: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    settings_model: ClassVar[type[ChannelSettings]]
    webhook: ClassVar[WebhookEntry] = META_WEBHOOK
    webhook_object: ClassVar[str]  # the webhook body's ``object``: page | instagram
    explanations: ClassVar[dict[int, str]]
    profile_fields: ClassVar[str] = "name,first_name,last_name,profile_pic"
    health_fields: ClassVar[str] = "name,picture"

    @classmethod
    def explain(cls, code: int | None, title: str | None = None) -> str:
        return messaging_errors.explain_with(cls.explanations, code, title)

    def __init__(self, http: httpx.AsyncClient, *, graph_url: str, graph_version: str,
                 media: MediaPolicy | None = None):
        self.http, self.graph_url, self.graph_version = http, graph_url, graph_version
        self.media = media or MediaPolicy()

    @classmethod
    def create(cls, http: httpx.AsyncClient, settings: Settings) -> MessagingAdapter:
        return cls(http, graph_url=settings.graph_url, graph_version=settings.graph_version,
                   media=MediaPolicy(settings.media_host_list))

    @classmethod
    def validate(cls, values: Mapping[str, Any]) -> ChannelSettings:
        return cls.settings_model.from_values(values)

    def _graph_url(self, conn: Connection) -> str:
        return conn.config.get("graph_url") or self.graph_url

    def _graph(self, conn: Connection) -> GraphClient:
        return GraphClient(self.http, self._graph_url(conn), conn.config.get("graph_version") or self.graph_version,
                           conn.secrets["access_token"])

    # --------------------------------------------------------------- inbound
    def routing_ids(self, raw: bytes) -> list[str]:
        return inbound.routing_ids(raw, self.webhook_object)

    def parse(self, raw: bytes) -> list[InboundEvent]:
        return inbound.parse_events(raw, self.webhook_object)

    # --------------------------------------------------------------- outbound
    async def send(self, conn: Connection, message: OutboundMessage) -> SendResult:
        graph = self._graph(conn)
        try:
            body = await self._request(graph, conn, message)
            data = await graph.call("POST", f"{conn.external_id}/messages", json=body.wire())
        except ChannelError as exc:
            raise _by_subcode(exc) from None
        answer = wire.SendResponse.model_validate(data)
        if not answer.message_id:
            raise PermanentChannelError("the Send API accepted the message but returned no id")
        return SendResult(answer.message_id, answer.recipient_id)

    async def _request(self, graph: GraphClient, conn: Connection, m: OutboundMessage) -> wire.SendRequest:
        c = m.content
        req = wire.SendRequest(recipient={"id": m.to}, messaging_type="MESSAGE_TAG" if m.human_agent else "RESPONSE",
                               tag="HUMAN_AGENT" if m.human_agent else None,
                               reply_to={"mid": m.reply_to_provider_id} if m.reply_to_provider_id else None)
        msg = wire.SendMessage(metadata=m.tracking)
        if isinstance(c, content.Text):
            msg.text = c.body or m.text or ""
        elif isinstance(c, content.Media) and c.type in ATTACHMENT_TYPE:
            msg.attachment = await self._attachment(graph, conn, c, m)
        elif isinstance(c, content.Interactive) and c.kind == "quick_replies":
            msg.text = c.body or m.text or ""
            msg.quick_replies = [wire.SendQuickReply(title=b.title or b.id, payload=b.id) for b in c.buttons]
        elif isinstance(c, content.Interactive) and c.kind == "buttons":
            msg.attachment = {"type": "template", "payload": {
                "template_type": "button", "text": c.body or m.text or "",
                "buttons": [{"type": "postback", "title": b.title or b.id, "payload": b.id} for b in c.buttons]}}
        else:
            raise PermanentChannelError(f"{self.title} cannot send a {m.type!r} message", code=100)
        req.message = msg
        return req

    async def _attachment(self, graph: GraphClient, conn: Connection, c: content.Media,
                          m: OutboundMessage) -> dict[str, Any]:
        """By link, or by an attachment id (uploading the stored file first)."""
        kind = ATTACHMENT_TYPE[c.type]
        if c.link and not m.media_bytes:
            return {"type": kind, "payload": {"url": c.link, "is_reusable": True}}
        attachment_id = c.provider_media_id
        if not attachment_id and m.media_bytes is not None:
            mime = c.mime_type or "application/octet-stream"
            attachment_id = await self.upload(graph, conn, kind, m.media_bytes, mime, c.filename or "file")
        if not attachment_id:
            raise PermanentChannelError("the media has neither a link nor a stored file", code=100)
        return {"type": kind, "payload": {"attachment_id": attachment_id}}

    async def upload(self, graph: GraphClient, conn: Connection, kind: str, data: bytes, mime: str,
                     filename: str) -> str:
        """The Attachment Upload API: the file once, then sent by its id."""
        message = json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": True}}})
        result = await graph.call("POST", f"{conn.external_id}/message_attachments", data={"message": message},
                                  files={"filedata": (filename, data, mime)})
        answer = wire.SendResponse.model_validate(result)
        if not answer.attachment_id:
            raise PermanentChannelError("the upload returned no attachment id")
        return answer.attachment_id

    async def mark_read(self, conn: Connection, provider_message_id: str) -> None:
        """Nothing to do: Meta marks a conversation seen by the customer's id (``mark_seen``), not
        by message, and shows the page's reply as the answer anyway (``read_receipts`` is off)."""

    async def fetch_media(self, conn: Connection, media_id: str, max_bytes: int) -> tuple[bytes, str]:
        """An attachment's (or story's) URL, as the webhook gave it: Meta's CDN links expire."""
        media = await self.media.request(media_id, self._graph_url(conn), conn.secrets["access_token"])
        return await self._graph(conn).download(media, max_bytes)

    async def profile(self, conn: Connection, customer_id: str) -> CustomerProfile:
        """The customer's name and picture (``GET /{PSID}`` / ``GET /{IGSID}``)."""
        data = await self._graph(conn).call("GET", customer_id, params={"fields": self.profile_fields})
        found = wire.Profile.model_validate(data)
        return CustomerProfile(found.full_name() or found.username, found.profile_pic)

    async def health(self, conn: Connection) -> dict[str, Any]:
        """Does the token work for this page / account? Its name and picture."""
        info = await self._graph(conn).call("GET", conn.external_id, params={"fields": self.health_fields})
        picture = info.get("picture")
        if isinstance(picture, dict):  # ``picture{data{url}}`` as the Graph API nests it
            picture = (picture.get("data") or {}).get("url")
        return {"name": info.get("name") or info.get("username"),
                "picture": picture or info.get("profile_picture_url")}


def _by_subcode(exc: ChannelError) -> ChannelError:
    """Meta's subcode as the error's code where it says more (2018278: outside the window)."""
    if exc.subcode in messaging_errors.SUBCODES:
        exc.code = exc.subcode
    return exc
