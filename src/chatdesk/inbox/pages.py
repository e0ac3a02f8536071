"""What each inbox page shows, gathered from the domains' read models in one reading session,
and the one write the composer makes (reply or note, with an optional attachment)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts import members
from ..channels.base import Capabilities
from ..channels.content import Text
from ..channels.models import Channel
from ..conversations import (
    cost_alerts,
    inbox_queries,
    labels,
    paging,
    policy,
    routing,
    sending,
    snooze,
    views_saved,
)
from ..conversations.inbox_queries import InboxFilter
from ..conversations.models import Conversation, Message
from ..conversations.schemas import SendMessageIn
from ..conversations.sending import Draft, Upload
from ..core.db import get_in_workspace
from ..core.errors import Problem
from ..core.states import AuthorType
from ..teams import service as teams
from .dates import Formatter
from .web import Ctx


async def _channels(session: AsyncSession, ws: int) -> list[Channel]:
    from sqlalchemy import select
    return list((await session.execute(select(Channel).where(Channel.workspace_id == ws)
                                       .order_by(Channel.id))).scalars())


LIST_PAGE = 50  # conversations per page of the list; more load as the agent scrolls
LIST_KEPT = 500  # at most this many stay loaded through a live refresh


async def list_page(session: AsyncSession, ctx: Ctx, f: InboxFilter, cursor: paging.Cursor | None = None,
                    limit: int = LIST_PAGE) -> dict[str, Any]:
    """One page of the list and the cursor of the next (None: this was the last)."""
    now = ctx.rt.clock.now()
    rows = await inbox_queries.inbox_rows(session, ctx.ws, f, user_id=ctx.user.id, now=now, limit=limit,
                                          cursor=cursor)
    more = paging.cursor_of(paging.Sort(f.sort), rows[-1].conv).encode() if len(rows) == limit else None
    return {"filter": f, "rows": rows, "next_cursor": more, "now": now, "window_ends": open_windows(ctx, rows, now)}


async def inbox_data(session: AsyncSession, ctx: Ctx, f: InboxFilter, *, shown: int = 0) -> dict[str, Any]:
    now = ctx.rt.clock.now()
    return {
        **await list_page(session, ctx, f, limit=min(max(shown, LIST_PAGE), LIST_KEPT)),
        "counts": await inbox_queries.view_counts(session, ctx.ws, f, user_id=ctx.user.id, now=now),
        "all_labels": await labels.list_labels(session, ctx.ws),
        "all_teams": await teams.list_teams(session, ctx.ws),
        "agents": await members.workspace_users(session, ctx.ws),  # the bulk bar's assignees
        **await saved_views(session, ctx, now),
        "all_channels": await _channels(session, ctx.ws),
        "now": now,
        "limit_alerts": await cost_alerts.limit_alerts(session, ctx.ws, now),
        "budget_alert": await cost_alerts.budget_threshold(session, ctx.ws, now),
    }


async def saved_views(session: AsyncSession, ctx: Ctx, now: datetime) -> dict[str, Any]:
    """The agent's and the shared saved views, each with its count and the query that opens it."""
    views = await views_saved.list_views(session, ctx.ws, ctx.user.id)
    return {"saved_views": [(v, views_saved.query_of(v), views_saved.may_edit(v, ctx.user.id, ctx.is_admin))
                            for v in views],
            "saved_counts": await views_saved.counts(session, ctx.ws, views, user_id=ctx.user.id, now=now)}


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
        "interactive_limits": builder_limits(caps),
        "media_rules": media_rules(caps),
        "now": now, "snooze_default": now + timedelta(days=1),
        "snooze_presets": snooze.presets(now, Formatter(ctx.workspace.timezone, "en", None).zone),
    }
    if with_thread:
        data["thread"] = await inbox_queries.thread(session, conv)
    return data


def media_rules(caps: Capabilities) -> dict[str, Any]:
    """The channel's file limits for the composer's check before sending (``static/composer.js``);
    the server checks the same again (``policy.check_media``)."""
    return {"channel": caps.title,
            "types": {t: {"max": caps.media_max_bytes.get(t, 0), "mimes": sorted(caps.media_mime_types.get(t, ()))}
                      for t in ("image", "video", "audio", "document")},
            "image_mimes": list(sending.IMAGE_MIMES)}


def open_windows(ctx: Ctx, rows: list[inbox_queries.Row], now: datetime) -> dict[int, datetime]:
    """When each listed conversation's reply window closes, for those open now (the list's countdown)."""
    ends: dict[int, datetime] = {}
    for row in rows:
        caps = ctx.rt.registry.get(row.channel.kind).capabilities
        closes = policy.window_closes_at(caps, row.conv.last_inbound_at, row.conv.window_closed_at)
        if closes is not None and policy.window_open(caps, row.conv.last_inbound_at, now, row.conv.window_closed_at):
            ends[row.conv.id] = closes
    return ends


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
    now = ctx.rt.clock.now()
    return {"conv": conv, "now": now, **window_data(ctx.rt.registry.get(channel.kind).capabilities, conv, now)}


def triage_status(conv: Conversation, now: Any) -> str:
    from ..conversations.triage import effective_status
    return effective_status(conv, now)


def builder_limits(caps: Capabilities) -> dict[str, Any] | None:
    """The channel's interactive limits for the composer's builder (its counters and checks
    are the API's: the same numbers, from the same ``Capabilities``)."""
    if caps.interactive is None:
        return None
    return {**dataclasses.asdict(caps.interactive), "kinds": sorted(caps.interactive.kinds)}


def interactive_draft(ctx: Ctx, interactive: str, reply_to_id: int | None) -> Draft:
    """The builder's list or buttons (JSON in the API's request shape) as a draft."""
    try:
        body = SendMessageIn.model_validate_json(interactive)
    except ValidationError as exc:
        raise Problem(422, "invalid_message", "The message is not valid",
                      str(exc.errors(include_url=False)[0]["msg"])) from None
    if body.draft_type != "interactive":
        raise Problem(422, "invalid_message", "The message is not valid", "the builder sends lists and buttons")
    return Draft(type="interactive", text=body.text, content=body.content(), reply_to_id=reply_to_id,
                 author_type=AuthorType.AGENT, author_id=ctx.user.id)


def mention_ids(raw: str) -> tuple[int, ...]:
    """The composer's picked mentions ("3,7"); anything else in the field is ignored."""
    return tuple(dict.fromkeys(int(part) for part in raw.split(",") if part.strip().isdigit()
                               and len(part.strip()) < 19))[:50]


async def send(session: AsyncSession, ctx: Ctx, conv: Conversation, *, text: str, note: bool,
               upload: Upload | None, reply_to_id: int | None, interactive: str = "",
               mentions: tuple[int, ...] = ()) -> Message:
    """The composer's reply, note, or the builder's list or buttons, through the one send path."""
    if interactive and not note:
        return await sending.send(session, ctx.rt, conv, interactive_draft(ctx, interactive, reply_to_id))
    draft = Draft(type=sending.NOTE if note else None, text=text,
                  content=None if upload is not None else Text(preview_url="http" in text),
                  upload=upload, reply_to_id=None if note else reply_to_id,
                  author_type=AuthorType.AGENT, author_id=ctx.user.id, mentions=mentions if note else ())
    message = await sending.send(session, ctx.rt, conv, draft)
    if not note:
        await routing.first_replier(session, conv, ctx.user.id, now=ctx.rt.clock.now())
    return message


async def send_template(session: AsyncSession, ctx: Ctx, conv: Conversation, row: Any, params: Any) -> Message:
    """A filled template from the picker, checked and sent as the REST API sends one
    (``conversations/template_send``), through the one send path."""
    from ..channels.templates.shape import Parameters
    from ..conversations import template_send
    req = template_send.TemplateRequest(row.name, row.language, Parameters(
        header=params.header, body=params.body, buttons=params.buttons))
    draft = await template_send.draft(session, conv, req, author_type=AuthorType.AGENT, author_id=ctx.user.id)
    return await sending.send(session, ctx.rt, conv, draft)


async def contact_channel(session: AsyncSession, ctx: Ctx, contact: Any, channel_id: int | None) -> int:
    """The channel a new conversation with ``contact`` goes out on: the one given (of this
    workspace), else the one they last wrote on; 422 when they never used one."""
    from ..conversations.queries import last_channel_of
    if channel_id is not None:
        return (await get_in_workspace(session, Channel, ctx.ws, channel_id)).id
    last = await last_channel_of(session, contact.id)
    if last is None:
        raise Problem(422, "channel_required", "The contact has no conversation yet: choose a channel")
    return last


async def start_with_template(session: AsyncSession, ctx: Ctx, contact: Any, channel_id: int, row: Any,
                              params: Any) -> Message:
    """A contact's conversation on the channel (their current one, or a new one) with a filled
    template, as ``POST /api/v1/contacts/{id}/messages`` starts one."""
    from ..conversations import service
    conv = await service.current_conversation(session, workspace_id=ctx.ws, channel_id=channel_id,
                                              contact_id=contact.id, now=ctx.rt.clock.now())
    return await send_template(session, ctx, conv, row, params)


async def message_in_workspace(session: AsyncSession, ws: int, message_id: int) -> Message:
    return await get_in_workspace(session, Message, ws, message_id)
