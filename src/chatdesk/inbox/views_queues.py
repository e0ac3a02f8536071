"""Working queues from the inbox: the agent's availability and the page's heartbeat, and the
routing settings (a team's automatic assignment, the workspace's first-replier rule). Thin:
parse, call a service, render."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from ..accounts import presence
from ..core.errors import Problem
from ..core.params import text_id
from ..teams import service as teams
from .views_admin import Admin, _teams_page
from .web import Ctx, InboxRoute, finish, redirect, workspace_ctx

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
