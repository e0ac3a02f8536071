"""What each inbox page shows, gathered from the domains' read models in one reading session,
and the one write the composer makes (reply or note, with an optional attachment)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts import members
from ..channels.base import Capabilities
from ..channels.content import Text
from ..channels.models import Channel
from ..conversations import inbox_queries, labels, policy, sending
from ..conversations.inbox_queries import InboxFilter
from ..conversations.models import Conversation, Message
from ..conversations.sending import Draft, Upload
from ..core.db import get_in_workspace
from ..core.states import AuthorType
from ..teams import service as teams
from .web import Ctx


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
    channel = await session.get_one(Channel, conv.channel_id)  # the foreign key guarantees it
    caps = ctx.rt.registry.get(channel.kind).capabilities
    panel = await inbox_queries.contact_panel(session, conv)
    data: dict[str, Any] = {
        "conv": conv, "channel": channel, "panel": panel, "contact": panel.contact,
        "conv_status": triage_status(conv, now),
        "conv_labels": (await labels.labels_of(session, [conv.id]))[conv.id],
        "all_labels": await labels.list_labels(session, ctx.ws),
        "all_teams": await teams.list_teams(session, ctx.ws),
        "agents": await members.workspace_users(session, ctx.ws),
        **window_data(caps, conv, now),
        "now": now, "snooze_default": now + timedelta(days=1),
    }
    if with_thread:
        data["thread"] = await inbox_queries.thread(session, conv)
    return data


def window_data(caps: Capabilities, conv: Conversation, now: datetime) -> dict[str, Any]:
    """The reply window as the composer's banner shows it (``_window.html``)."""
    return {
        "window_open": policy.window_open(caps, conv.last_inbound_at, now, conv.window_closed_at),
        "window_closes_at": policy.window_closes_at(caps, conv.last_inbound_at, conv.window_closed_at),
        "window_length": policy.duration_text(window) if (window := policy.reply_window(caps)) else "",
        "window_human_agent": policy.needs_human_agent(caps, conv.last_inbound_at, now),
        "window_templates": "template" in caps.outbound_types,
        "window_reported_closed": policy.reported_closed(conv.last_inbound_at, conv.window_closed_at),
        "channel_title": caps.title,
    }


async def window_view(session: AsyncSession, ctx: Ctx, conv: Conversation) -> dict[str, Any]:
    """Just the reply window of ``conv``: what the live composer refreshes."""
    channel = await session.get_one(Channel, conv.channel_id)
    return {"conv": conv, **window_data(ctx.rt.registry.get(channel.kind).capabilities, conv, ctx.rt.clock.now())}


def triage_status(conv: Conversation, now: Any) -> str:
    from ..conversations.triage import effective_status
    return effective_status(conv, now)


async def send(session: AsyncSession, ctx: Ctx, conv: Conversation, *, text: str, note: bool,
               upload: Upload | None, reply_to_id: int | None) -> Message:
    """The composer's reply or note, through the one send path."""
    draft = Draft(type=sending.NOTE if note else None, text=text,
                  content=None if upload is not None else Text(preview_url="http" in text),
                  upload=upload, reply_to_id=None if note else reply_to_id,
                  author_type=AuthorType.AGENT, author_id=ctx.user.id)
    return await sending.send(session, ctx.rt, conv, draft)


async def message_in_workspace(session: AsyncSession, ws: int, message_id: int) -> Message:
    return await get_in_workspace(session, Message, ws, message_id)
