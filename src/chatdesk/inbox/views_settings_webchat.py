"""Settings → Channels → a web chat: the embed snippet, a preview of the widget's look, the look
form (colour, greeting, position, language, pre-chat form, allowed origins) and the widget
secret, shown once when it is generated."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..channels.webchat.adapter import embed_snippet
from ..core.errors import Problem
from ..widget import setup as widget_setup
from ..widget.hours import DAYS
from ..widget.script import STRINGS as WIDGET_STRINGS
from .web import Ctx, InboxRoute, admin_ctx, redirect, render

router = APIRouter(prefix="/w/{slug}/settings/channels/{channel_id}/widget", route_class=InboxRoute)
Admin = Annotated[Ctx, Depends(admin_ctx)]


async def _page(request: Request, ctx: Ctx, channel_id: int, status: int = 200, **values: Any) -> Response:
    async with ctx.rt.db.reader() as session:
        channel = await widget_setup.webchat_channel(session, ctx.ws, channel_id)
        hours = await widget_setup.hours_of(session, ctx.ws)
    base = ctx.rt.settings.public_url or str(request.base_url)
    return render(request, "admin/webchat.html", ctx=ctx, tab="channels", section="settings", status=status,
                  channel=channel, look=channel.config, hours=hours, days=DAYS, widget_strings=WIDGET_STRINGS,
                  snippet=embed_snippet(channel.external_id, base), **values)


@router.get("")
async def widget_page(channel_id: int, ctx: Admin, request: Request, new: int = 0, saved: int = 0) -> Response:
    return await _page(request, ctx, channel_id, new=bool(new), saved=bool(saved))


@router.post("")
async def save_look(channel_id: int, ctx: Admin, request: Request) -> Response:
    form = {k: v.strip() for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        async with ctx.rt.db.session() as session:
            await widget_setup.save_look(session, ctx.ws, channel_id, form)
    except Problem as exc:
        return await _page(request, ctx, channel_id, 422, problem=exc)
    ctx.rt.channels.forget()
    return redirect(request, ctx.url(f"settings/channels/{channel_id}/widget?saved=1"))


@router.post("/secret")
async def regenerate_secret(channel_id: int, ctx: Admin, request: Request) -> Response:
    """A new widget secret, shown in this answer only."""
    async with ctx.rt.db.session() as session:
        secret = await widget_setup.new_secret(session, ctx.rt.cipher, ctx.ws, channel_id)
    ctx.rt.channels.forget()
    return await _page(request, ctx, channel_id, secret=secret)


@router.post("/hours")
async def save_hours(channel_id: int, ctx: Admin, request: Request) -> Response:
    """The workspace's business hours (in its time zone); outside them the widget's offline form."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        async with ctx.rt.db.session() as session:
            await widget_setup.webchat_channel(session, ctx.ws, channel_id)
            await widget_setup.save_hours(session, ctx.ws, form, ctx.rt.clock.now())
    except Problem as exc:
        return await _page(request, ctx, channel_id, 422, problem=exc)
    return redirect(request, ctx.url(f"settings/channels/{channel_id}/widget?saved=1"))
