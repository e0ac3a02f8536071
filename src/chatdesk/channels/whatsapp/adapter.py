"""The WhatsApp Cloud API channel: webhooks in, Graph API calls out."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from ...core.settings import Settings
from .. import content
from ..base import (
    ID_PHONE,
    ID_USER,
    Capabilities,
    ChannelSettings,
    Connection,
    InboundEvent,
    OutboundMessage,
    PermanentChannelError,
    SendResult,
    WebhookEntry,
)
from ..interactive_limits import InteractiveLimits
from ..meta import errors
from ..meta.graph import GraphClient
from ..meta.media_egress import MediaPolicy
from ..meta.webhook import META_WEBHOOK
from . import inbound
from . import payloads as wa
from .settings import WhatsAppSettings

# Meta's "Supported media types" (Cloud API): anything else fails after sending with 131009/131053
MEDIA_MIME_TYPES = {
    "image": frozenset({"image/jpeg", "image/png"}),
    "video": frozenset({"video/mp4", "video/3gpp", "video/3gp"}),
    "audio": frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}),
    "sticker": frozenset({"image/webp"}),
    "document": frozenset({
        "application/pdf", "text/plain", "application/msword", "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"}),
}

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
    # Meta recommends the number when known (phone fields then keep coming in webhooks); a user
    # who shares none is reached by their business-scoped user id.
    address_by=(ID_PHONE, ID_USER),
    # the wa_id is the customer's phone number and the user id is scoped to the business, both
    # the same on every number of the workspace
    identity_scope="global",
    window_closed_errors=frozenset({131047}),  # "Re-engagement message", reported in a failed status
    reauth_errors=frozenset({190}),  # the access token expired or was revoked
    # Meta's list-message page allows a list's body 4,096 characters, reply buttons' 1,024
    interactive=InteractiveLimits(kinds=frozenset({"list", "buttons"}),
                                  body_max={"list": 4096, "buttons": 1024}),
    media_mime_types=MEDIA_MIME_TYPES,
)


TEMPLATE_FIELDS = "name,components,language,status,category,id,parameter_format,quality_score,rejected_reason"
TEMPLATE_PAGES_MAX = 100  # 100 per page: far beyond the account's template limit


class WhatsAppAdapter:
    kind: ClassVar[str] = "whatsapp"
    title: ClassVar[str] = "WhatsApp"
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    settings_model: ClassVar[type[ChannelSettings]] = WhatsAppSettings
    webhook: ClassVar[WebhookEntry] = META_WEBHOOK
    # the inbox's icon (SVG paths in a 24 by 24 box): a phone in a speech bubble
    icon: ClassVar[str] = ('<path d="M12 2a10 10 0 0 0-8.6 15.1L2 22l5-1.3A10 10 0 1 0 12 2z" fill="#25d366"/>'
                           '<path d="M8.5 7.5c.3-.6.8-.6 1-.6l.7.1 1 2.3-.7 1c.6 1.2 1.6 2.2 2.8 2.8l1-.7 '
                           '2.3 1v.7c0 .3 0 .8-.6 1.1-1.8.9-7.5-3.4-7.5-6.7 0-.4 0-.7 0-1z" fill="#fff"/>')

    @staticmethod
    def explain(code: int | None, title: str | None = None) -> str:
        return errors.explain(code, title)

    def __init__(self, http: httpx.AsyncClient, *, graph_url: str, graph_version: str,
                 media: MediaPolicy | None = None):
        self.http = http
        self.graph_url = graph_url
        self.graph_version = graph_version
        self.media = media or MediaPolicy()

    @classmethod
    def create(cls, http: httpx.AsyncClient, settings: Settings) -> WhatsAppAdapter:
        return cls(http, graph_url=settings.graph_url, graph_version=settings.graph_version,
                   media=MediaPolicy(settings.media_host_list))

    @classmethod
    def validate(cls, values: Mapping[str, Any]) -> ChannelSettings:
        """Checks that need no network call: ids are digits, secrets not blank, URL http(s)."""
        return WhatsAppSettings.from_values(values)

    def _graph_url(self, conn: Connection) -> str:
        # a channel's own URL is operator configuration too (only the CLI sets it: the sandbox)
        return conn.config.get("graph_url") or self.graph_url

    def _graph(self, conn: Connection) -> GraphClient:
        return GraphClient(self.http, self._graph_url(conn), conn.config.get("graph_version") or self.graph_version,
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
        answered = response.contacts[0] if response.contacts else None
        return SendResult(response.messages[0].id, (answered.wa_id or answered.user_id) if answered else None)

    async def _request(self, graph: GraphClient, conn: Connection, m: OutboundMessage) -> wa.SendRequest:
        """The wire request for ``m``: each sendable content type mapped explicitly."""
        c = m.content
        by_user_id = m.to_type == ID_USER   # a user id goes in ``recipient``, a number in ``to``
        req = wa.SendRequest(recipient_type="individual", to=None if by_user_id else m.to,
                             recipient=m.to if by_user_id else None, type=c.type,
                             biz_opaque_callback_data=m.tracking)
        if m.reply_to_provider_id and not isinstance(c, content.Reaction):
            req.context = wa.SendContext(message_id=m.reply_to_provider_id)
        if isinstance(c, content.Text):
            req.text = wa.SendText(body=c.body or m.text or "", preview_url=bool(c.preview_url))
        elif isinstance(c, content.Media):
            media = await self._media(graph, conn, c, m)
            if c.type == "image":
                req.image = media
            elif c.type == "audio":
                req.audio = media
            elif c.type == "video":
                req.video = media
            elif c.type == "document":
                req.document = media
            else:
                req.sticker = media
        elif isinstance(c, content.Location):
            req.location = wa.Location(latitude=c.latitude, longitude=c.longitude, name=c.name, address=c.address)
        elif isinstance(c, content.Reaction):
            req.reaction = wa.SendReaction(message_id=m.reply_to_provider_id or c.message_id or "",
                                           emoji=c.emoji or "")
        elif isinstance(c, content.Interactive) and c.kind in ("list", "buttons"):
            req.interactive = _interactive(c)
        elif isinstance(c, content.Template):
            req.template = {"name": c.name, "language": {"code": c.language},
                            "components": [part.model_dump(mode="json") for part in c.components]}
        elif isinstance(c, content.Contacts):
            req.contacts = [card.model_dump(mode="json") for card in c.contacts]
        else:
            raise PermanentChannelError(f"WhatsApp cannot send a {m.type!r} message", code=131051)
        return req

    async def _media(self, graph: GraphClient, conn: Connection, c: content.Media,
                     m: OutboundMessage) -> wa.SendMedia:
        """By the provider's id (uploading the stored file first if it has none), else by link."""
        media_id = c.provider_media_id
        if m.media_bytes is not None and not media_id:
            media_id = await self.upload(graph, conn, m.media_bytes, c.mime_type or "application/octet-stream",
                                         c.filename or "file")
        caption = (c.caption or m.text) if c.type in ("image", "video", "document") else None
        return wa.SendMedia(id=media_id, link=None if media_id else c.link, caption=caption or None,
                            filename=c.filename if c.type == "document" else None)

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
        media = await self.media.request(info.url, self._graph_url(conn), conn.secrets["access_token"])
        data, mime = await graph.download(media, max_bytes)
        return data, info.mime_type or mime

    # --------------------------------------------------------------- templates
    async def list_templates(self, conn: Connection) -> list[dict[str, Any]]:
        """Every template of the number's business account (``GET /{waba-id}/message_templates``,
        followed page by page by its ``after`` cursor)."""
        graph, after = self._graph(conn), None
        items: list[dict[str, Any]] = []
        for _ in range(TEMPLATE_PAGES_MAX):
            params = {"limit": "100", "fields": TEMPLATE_FIELDS, **({"after": after} if after else {})}
            page = await graph.call("GET", f"{conn.config['waba_id']}/message_templates", params=params)
            items.extend(i for i in page.get("data") or [] if isinstance(i, dict))
            paging = page.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
        return items

    async def submit_template(self, conn: Connection, draft: dict[str, Any]) -> dict[str, Any]:
        """``POST /{waba-id}/message_templates``: ``{id, status, category}`` on success."""
        return await self._graph(conn).call("POST", f"{conn.config['waba_id']}/message_templates", json=draft)

    async def health(self, conn: Connection) -> dict[str, Any]:
        """Does the token work for this number? (``GET /{phone-number-id}``): the number's name,
        display number and quality rating, as the health record keeps them."""
        info = await self._graph(conn).call("GET", conn.external_id)
        return {key: info.get(key) for key in ("verified_name", "display_phone_number", "quality_rating")}


def _interactive(c: content.Interactive) -> dict[str, Any]:
    """A list or reply buttons as WhatsApp's ``interactive`` object."""
    body: dict[str, Any] = {"type": "list" if c.kind == "list" else "button", "body": {"text": c.body or ""}}
    if c.header:
        body["header"] = {"type": "text", "text": c.header}
    if c.footer:
        body["footer"] = {"text": c.footer}
    if c.kind == "list":
        body["action"] = {"button": c.button or "", "sections": [
            {**({"title": s.title} if s.title else {}),
             "rows": [_choice(row, with_description=True) for row in s.rows]} for s in c.sections]}
    else:
        body["action"] = {"buttons": [{"type": "reply", "reply": _choice(b, with_description=False)}
                                      for b in c.buttons]}
    return body


def _choice(choice: content.Choice, *, with_description: bool) -> dict[str, Any]:
    out = {"id": choice.id, "title": choice.title or ""}
    if with_description and choice.description:
        out["description"] = choice.description
    return out
