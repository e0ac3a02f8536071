"""Working queues from the inbox: saved views, the agent's availability and the page's
heartbeat, and the routing settings (a team's automatic assignment, the workspace's
first-replier rule). Thin: parse, call a service, render."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from ..accounts import presence
from ..conversations import views_saved
from ..conversations.inbox_queries import InboxFilter
from ..core.errors import Problem
from ..core.params import text_id
from ..teams import service as teams
from .views_admin import Admin, _teams_page
from .views_inbox import _filter
from .web import Ctx, InboxRoute, finish, redirect, render, workspace_ctx

router = APIRouter(prefix="/w/{slug}", route_class=InboxRoute)
Agent = Annotated[Ctx, Depends(workspace_ctx)]


async def _state(ctx: Ctx, request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        shown = await presence.of(session, ctx.ws, ctx.user.id, ctx.rt.clock.now())
        chosen = await presence.chosen(session, ctx.ws, ctx.user.id)
    return finish(request, JSONResponse({"chosen": chosen, "availability": shown.value}))


@router.post("/presence")
async def set_presence(ctx: Agent, request: Request, availability: str = Form(...)) -> Response:
    """The agent chooses online, away or offline (the rail's menu)."""
    async with ctx.rt.db.session() as session:
        await presence.set_choice(session, ctx.ws, ctx.user.id, availability, now=ctx.rt.clock.now())
    return await _state(ctx, request)


@router.post("/heartbeat")
async def heartbeat(ctx: Agent, request: Request, active: str = Form("0")) -> Response:
    """The inbox is open (every 30 s), and whether the agent did anything since the last beat."""
    async with ctx.rt.db.session() as session:
        await presence.heartbeat(session, ctx.ws, ctx.user.id, active=active == "1", now=ctx.rt.clock.now())
    return await _state(ctx, request)


@router.post("/settings/teams/{team_id}/routing")
async def team_routing(team_id: int, ctx: Admin, request: Request, auto_assign: str = Form(""),
                       cap: str = Form("")) -> Response:
    try:
        limit = text_id(cap.strip()) if cap.strip() else None
        if cap.strip() and limit is None:
            raise Problem(422, "invalid_cap", "The cap is a whole number, or empty for none")
        async with ctx.rt.db.session() as session:
            await teams.set_routing(session, ctx.ws, team_id, auto_assign=auto_assign == "1", cap=limit)
    except Problem as exc:
        if exc.status == 404:
            raise
        return await _teams_page(ctx, request, 422, exc)
    return redirect(request, ctx.url("settings/teams"))


@router.post("/settings/workspace/routing")
async def workspace_routing(ctx: Admin, request: Request, first_replier: str = Form("")) -> Response:
    async with ctx.rt.db.session() as session:
        await presence.set_first_replier_assigned(session, ctx.ws, first_replier == "1")
    return redirect(request, ctx.url("settings/workspace"))


async def _posted_filter(request: Request) -> InboxFilter:
    """The filter form's values, sent along in the body (hx-include="#filters")."""
    form = await request.form()
    field = {k: v for k, v in form.items() if isinstance(v, str)}
    return _filter(*(field.get(k, d) for k, d in (("view", "all"), ("status", "open"), ("channel", ""),
                                                  ("label", ""), ("team", ""), ("q", ""), ("sort", ""))))


def _problem(ctx: Ctx, request: Request, exc: Problem) -> Response:
    return render(request, "_composer_error.html", ctx=ctx, status=422, problem=exc,
                  headers={"HX-Retarget": "#view-error", "HX-Reswap": "innerHTML"})


@router.post("/views")
async def save_view(ctx: Agent, request: Request, name: str = Form(""), shared: str = Form("")) -> Response:
    """Save the list's current filters (sent along from the filter form) as a view."""
    f = await _posted_filter(request)
    try:
        async with ctx.rt.db.session() as session:
            view = await views_saved.create_view(session, ctx.ws, ctx.user.id, name=name, filters=f,
                                                 shared=shared == "1", now=ctx.rt.clock.now())
            where = ctx.url() + "?" + views_saved.query_of(view)
    except Problem as exc:
        return _problem(ctx, request, exc)
    return finish(request, Response(status_code=204, headers={"HX-Redirect": where}))


@router.post("/views/{view_id}")
async def update_view(view_id: int, ctx: Agent, request: Request, name: str = Form("")) -> Response:
    """Rename the view and/or put the current filters in it."""
    f = await _posted_filter(request)
    try:
        async with ctx.rt.db.session() as session:
            view = await views_saved.get_view(session, ctx.ws, ctx.user.id, view_id)
            await views_saved.update_view(session, view, ctx.user.id, ctx.is_admin, now=ctx.rt.clock.now(),
                                          name=name or None, filters=f)
            where = ctx.url() + "?" + views_saved.query_of(view)
    except Problem as exc:
        if exc.status == 404:
            raise
        return _problem(ctx, request, exc)
    return finish(request, Response(status_code=204, headers={"HX-Redirect": where}))


@router.post("/views/{view_id}/delete")
async def delete_view(view_id: int, ctx: Agent, request: Request) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            view = await views_saved.get_view(session, ctx.ws, ctx.user.id, view_id)
            await views_saved.delete_view(session, view, ctx.user.id, ctx.is_admin)
    except Problem as exc:
        if exc.status == 404:
            raise
        return _problem(ctx, request, exc)
    return finish(request, Response(status_code=204, headers={"HX-Redirect": ctx.url()}))
