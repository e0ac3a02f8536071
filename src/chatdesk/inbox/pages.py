"""What each inbox page shows, gathered from the domains' read models in one reading session,
and the one write the composer makes (reply or note, with an optional attachment)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts import members
from ..channels.content import Content, Media, Text
from ..channels.models import Channel
from ..conversations import inbox_queries, labels, policy, service
from ..conversations.inbox_queries import InboxFilter
from ..conversations.models import Conversation, Message
from ..conversations.policy import CAPTIONED
from ..core.errors import Problem, not_found
from ..core.media import MediaStore
from ..teams import service as teams
from .web import Ctx

UPLOAD_TYPES = (("image/", "image"), ("video/", "video"), ("audio/", "audio"))
IMAGE_MIMES = ("image/jpeg", "image/png")


async def _channels(session: AsyncSession, ws: int) -> list[Channel]:
    from sqlalchemy import select
    return list((await session.execute(select(Channel).where(Channel.workspace_id == ws)
                                       .order_by(Channel.id))).scalars())


async def inbox_data(session: AsyncSession, ctx: Ctx, f: InboxFilter) -> dict[str, Any]:
    now = ctx.rt.clock.now()
    return {
        "filter": f,
        "rows": await inbox_queries.inbox_rows(session, ctx.ws, f, user_id=ctx.user.id, now=now),
        "counts": await inbox_queries.view_counts(session, ctx.ws, f, user_id=ctx.user.id, now=now),
        "all_labels": await labels.list_labels(session, ctx.ws),
        "all_teams": await teams.list_teams(session, ctx.ws),
        "all_channels": await _channels(session, ctx.ws),
        "now": now,
    }


async def conversation_data(session: AsyncSession, ctx: Ctx, conv: Conversation, *,
                            with_thread: bool = True) -> dict[str, Any]:
    now = ctx.rt.clock.now()
    channel = await session.get(Channel, conv.channel_id)
    caps = ctx.rt.registry.get(channel.kind).capabilities
    panel = await inbox_queries.contact_panel(session, conv)
    data: dict[str, Any] = {
        "conv": conv, "channel": channel, "panel": panel, "contact": panel.contact,
        "conv_status": triage_status(conv, now),
        "conv_labels": (await labels.labels_of(session, [conv.id]))[conv.id],
        "all_labels": await labels.list_labels(session, ctx.ws),
        "all_teams": await teams.list_teams(session, ctx.ws),
        "agents": await members.workspace_users(session, ctx.ws),
        "window_open": policy.window_open(caps, conv.last_inbound_at, now),
        "window_closes_at": policy.window_closes_at(caps, conv.last_inbound_at),
        "now": now, "snooze_default": now + timedelta(days=1),
    }
    if with_thread:
        data["thread"] = await inbox_queries.thread(session, conv)
    return data


def triage_status(conv: Conversation, now: Any) -> str:
    from ..conversations.triage import effective_status
    return effective_status(conv, now)


async def send(session: AsyncSession, ctx: Ctx, conv: Conversation, *, text: str, note: bool,
               upload: tuple[bytes, str, str] | None, reply_to_id: int | None) -> Message:
    now = ctx.rt.clock.now()
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # HTML forms send line breaks as CRLF
    if note:
        return await service.add_note(session, conv, text=text, now=now, author_type="agent", author_id=ctx.user.id)
    caps = ctx.rt.registry.get((await ctx.rt.channels.by_id(session, conv.channel_id)).kind).capabilities
    reply_to = await inbox_queries.one_message(session, conv, reply_to_id) if reply_to_id else None
    type_, content = "text", cast(Content, Text(body=text.strip() or None, preview_url="http" in text))
    if upload is not None:
        type_, content = _stored_upload(ctx, upload, caps.media_max_bytes, text.strip() or None)
    return await service.queue_outbound(session, conv, caps, type=type_, text=text.strip() or None,
                                        content=content, now=now, author_type="agent", author_id=ctx.user.id,
                                        reply_to=reply_to)


def _stored_upload(ctx: Ctx, upload: tuple[bytes, str, str], caps: dict[str, int],
                   caption: str | None) -> tuple[str, Media]:
    data, mime, filename = upload
    type_ = "document"
    for prefix, kind in UPLOAD_TYPES:
        if mime.startswith(prefix) and (kind != "image" or mime in IMAGE_MIMES):
            type_ = kind
    if not data:
        raise Problem(422, "media_empty", "The file is empty")
    cap = caps.get(type_, 0)
    if cap and len(data) > cap:
        raise Problem(413, "media_too_large", "The file is too large for this channel",
                      f"{type_} files may be at most {cap // 2**20} MB here.")
    key = MediaStore(ctx.rt.settings.media_dir).save(ctx.ws, data, mime)
    return type_, Media.model_validate({"type": type_, "stored": key, "mime_type": mime, "filename": filename[:200],
                                        "size": len(data), "caption": caption if type_ in CAPTIONED else None})


async def message_in_workspace(session: AsyncSession, ws: int, message_id: int) -> Message:
    message = await session.get(Message, message_id)
    if message is None or message.workspace_id != ws:
        raise not_found("Message")
    return message
