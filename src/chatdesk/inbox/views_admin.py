"""Settings pages for owners and admins: the workspace (name, time zone), channels (connect
one of each registered kind), agents, teams, labels, canned responses. Forms post, then redirect
back (POST/redirect/GET); problems re-render."""
from __future__ import annotations

import functools
import logging
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ..accounts import members
from ..accounts import service as accounts
from ..accounts.passwords import hash_password
from ..accounts.service import add_user
from ..channels import setup
from ..channels.templates.jobs import queue_sync
from ..conversations import canned, labels, parking
from ..core.errors import Problem, not_found
from ..teams import service as teams
from .web import Ctx, InboxRoute, admin_ctx, redirect, render

log = logging.getLogger("chatdesk.inbox.invites")
router = APIRouter(prefix="/w/{slug}/settings", route_class=InboxRoute)
Admin = Annotated[Ctx, Depends(admin_ctx)]


def _page(request: Request, ctx: Ctx, template: str, tab: str, status: int = 200, **values: Any) -> Response:
    return render(request, f"admin/{template}", ctx=ctx, tab=tab, status=status, section="settings", **values)


def webhook_url(request: Request, ctx: Ctx, kind: str) -> str:
    base = ctx.rt.settings.public_url or str(request.base_url)
    return base.rstrip("/") + f"/webhooks/{kind}"


@router.get("")
async def settings_home(ctx: Admin, request: Request) -> Response:
    return redirect(request, ctx.url("settings/channels"))


# ------------------------------------------------------------------ workspace
@router.get("/workspace")
async def workspace_page(ctx: Admin, request: Request) -> Response:
    return _workspace_page(request, ctx)


def _workspace_page(request: Request, ctx: Ctx, status: int = 200, **values: Any) -> Response:
    values.setdefault("form", {"name": ctx.workspace.name, "timezone": ctx.workspace.timezone})
    return _page(request, ctx, "workspace.html", "workspace", status, zones=_zones(), **values)


@functools.cache
def _zones() -> list[str]:
    from zoneinfo import available_timezones
    return [*sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))), "UTC"]


@router.post("/workspace")
async def update_workspace(ctx: Admin, request: Request, name: str = Form(""), timezone: str = Form("")) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            await accounts.update_workspace(session, ctx.ws, name=name, timezone=timezone)
    except Problem as exc:
        return _workspace_page(request, ctx, 422, problem=exc, form={"name": name, "timezone": timezone})
    return redirect(request, ctx.url("settings/workspace"))


# ------------------------------------------------------------------ channels
async def _channels_page(request: Request, ctx: Ctx, status: int = 200, **values: Any) -> Response:
    async with ctx.rt.db.reader() as session:
        channels = await setup.workspace_channels(session, ctx.ws)
    values.setdefault("form", {})
    return _page(request, ctx, "channels.html", "channels", status, channels=channels,
                 forms=setup.connect_forms(ctx.rt.registry.kinds()), **values)


@router.get("/channels")
async def channels_page(ctx: Admin, request: Request) -> Response:
    return await _channels_page(request, ctx)


@router.post("/channels")
async def connect_channel(ctx: Admin, request: Request) -> Response:
    """Check the credentials with the provider (the kind's form: its settings model), then save
    and show the webhook settings."""
    posted = {k: v.strip() for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    kind = posted.get("kind", "")
    secret = {f.name for form in setup.connect_forms(ctx.rt.registry.kinds()) for f in form.fields if f.secret}
    form = {k: v for k, v in posted.items() if k not in secret}  # shown again on a problem; secrets never
    try:
        settings = setup.form_settings(kind, posted)
        health = await setup.check(ctx.rt.registry, kind, settings.to_row().connection(), ctx.rt.clock.now())
        async with ctx.rt.db.session() as session:
            channel = await setup.save_checked(session, ctx.rt.cipher, workspace_id=ctx.ws, kind=kind,
                                               settings=settings, health=health, name=posted.get("name", ""),
                                               now=ctx.rt.clock.now())
            queue_sync(session, channel, ctx.rt.clock.now())
    except Problem as exc:
        return await _channels_page(request, ctx, 422, form=form, problem=exc)
    ctx.rt.channels.forget()
    return redirect(request, ctx.url(f"settings/channels/{channel.id}?new=1"))


@router.get("/channels/{channel_id}")
async def channel_page(channel_id: int, ctx: Admin, request: Request, new: int = 0, refused: int = 0) -> Response:
    async with ctx.rt.db.reader() as session:
        channel = await setup.get_channel(session, ctx.ws, channel_id)
    page = getattr(ctx.rt.registry.get(channel.kind), "settings_page", None)  # a kind with a page of its own
    if page:
        return redirect(request, ctx.url(f"settings/channels/{channel_id}/{page}{'?new=1' if new else ''}"))
    hook = ctx.rt.registry.get(channel.kind).webhook  # the token the kind's webhook handshake asks for
    verify_token = ctx.rt.cipher.decrypt(channel.secrets).get(hook.verify_secret, "") if hook.verify_secret else ""
    return _page(request, ctx, "channel.html", "channels", channel=channel, verify_token=verify_token,
                 webhook_url=webhook_url(request, ctx, channel.kind), new=bool(new), refused=bool(refused),
                 secret_fields=[f for form in setup.connect_forms([channel.kind]) for f in form.fields if f.secret])


@router.post("/channels/{channel_id}/check")
async def recheck(channel_id: int, ctx: Admin, request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        ref = await ctx.rt.channels.by_id(session, (await setup.get_channel(session, ctx.ws, channel_id)).id)
    if ref is None:  # removed between the two reads
        raise not_found("Channel")
    health = await setup.check(ctx.rt.registry, ref.kind, ref.connection(), ctx.rt.clock.now())
    async with ctx.rt.db.session() as session:
        await setup.save_health(session, ctx.ws, channel_id, health)
    return redirect(request, ctx.url(f"settings/channels/{channel_id}"))


@router.post("/channels/{channel_id}/credentials")
async def reauthorise(channel_id: int, ctx: Admin, request: Request) -> Response:
    """New credentials for a channel (blank fields keep theirs): checked with the provider, then
    stored, and the sends that waited for them go out."""
    posted = {k: v.strip() for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    async with ctx.rt.db.reader() as session:
        ref = await ctx.rt.channels.by_id(session, (await setup.get_channel(session, ctx.ws, channel_id)).id)
    if ref is None:
        raise not_found("Channel")
    fields = {f.name for form in setup.connect_forms([ref.kind]) for f in form.fields if f.secret}
    secrets = {k: v for k, v in posted.items() if k in fields and v}
    health = await setup.check(ctx.rt.registry, ref.kind, replace(ref.connection(), secrets={**ref.secrets, **secrets}),
                               ctx.rt.clock.now())
    async with ctx.rt.db.session() as session:
        channel = await setup.get_channel(session, ctx.ws, channel_id)
        if health.get("status") == "ok":
            await parking.reauthorise(session, ctx.rt.cipher, channel, secrets, health, ctx.rt.clock.now())
    ctx.rt.channels.forget()
    refused = "" if health.get("status") == "ok" else "?refused=1"
    return redirect(request, ctx.url(f"settings/channels/{channel_id}{refused}"))


# ------------------------------------------------------------------ agents
async def _agents_page(request: Request, ctx: Ctx, status: int = 200, **values: Any) -> Response:
    async with ctx.rt.db.reader() as session:
        people = await members.workspace_users(session, ctx.ws)
        invites = await members.pending_invites(session, ctx.ws, ctx.rt.clock.now())
    return _page(request, ctx, "agents.html", "agents", status, people=people, invites=invites, **values)


@router.get("/agents")
async def agents_page(ctx: Admin, request: Request) -> Response:
    return await _agents_page(request, ctx)


@router.post("/agents/invite")
async def invite(ctx: Admin, request: Request, email: str = Form(""), role: str = Form("agent")) -> Response:
    if role == "owner" and ctx.role != "owner":
        return await _agents_page(request, ctx, 403, problem=Problem(403, "forbidden", "Only owners can add owners"))
    try:
        async with ctx.rt.db.session() as session:
            token = await members.create_invite(session, ctx.ws, email, role, invited_by=ctx.user.id,
                                                now=ctx.rt.clock.now())
    except Problem as exc:
        return await _agents_page(request, ctx, 422, problem=exc)
    link = (ctx.rt.settings.public_url or str(request.base_url)).rstrip("/") + f"/invite/{token}"
    # No mailer is configured: the link goes to the log (and to the admin, once, on this page).
    log.warning("invitation for %s to %s: %s", email.strip().lower(), ctx.workspace.slug, link)
    return await _agents_page(request, ctx, invite_link=link, invite_email=email.strip().lower())


@router.post("/agents")
async def create_agent(ctx: Admin, request: Request, email: str = Form(""), name: str = Form(""),
                       role: str = Form("agent"), password: str = Form("")) -> Response:
    try:
        if role == "owner" and ctx.role != "owner":
            raise Problem(403, "forbidden", "Only owners can add owners")
        if len(password) < 8:
            raise Problem(422, "weak_password", "Choose a password of at least 8 characters")
        password_hash = await hash_password(password)  # before the transaction: argon2 takes ~0.1 s
        async with ctx.rt.db.session() as session:
            if await members.has_account(session, email):
                raise Problem(409, "user_exists", "This email already has an account: invite it instead")
            await add_user(session, ctx.workspace, email, role, now=ctx.rt.clock.now(), password_hash=password_hash,
                           name=name.strip())
    except Problem as exc:
        return await _agents_page(request, ctx, 422, problem=exc)
    return redirect(request, ctx.url("settings/agents"))


@router.post("/agents/{user_id}/role")
async def change_role(user_id: int, ctx: Admin, request: Request, role: str = Form("")) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            current = dict((u.id, r) for u, r in await members.workspace_users(session, ctx.ws)).get(user_id)
            if "owner" in (role, current) and ctx.role != "owner":
                raise Problem(403, "forbidden", "Only owners can add or remove owners")
            await members.set_role(session, ctx.ws, user_id, role or None)
    except Problem as exc:
        return await _agents_page(request, ctx, exc.status if exc.status != 404 else 404, problem=exc)
    return redirect(request, ctx.url("settings/agents"))


# ------------------------------------------------------------------ teams
@router.get("/teams")
async def teams_page(ctx: Admin, request: Request) -> Response:
    return await _teams_page(ctx, request)


async def _teams_page(ctx: Ctx, request: Request, status: int = 200, problem: Problem | None = None) -> Response:
    async with ctx.rt.db.reader() as session:
        all_teams = await teams.list_teams(session, ctx.ws)
        team_members = await teams.members(session, ctx.ws)
        people = await members.workspace_users(session, ctx.ws)
    return _page(request, ctx, "teams.html", "teams", status, teams=all_teams, team_members=team_members,
                 people=people, problem=problem)


@router.post("/teams")
async def create_team(ctx: Admin, request: Request, name: str = Form("")) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            await teams.create_team(session, ctx.ws, name, now=ctx.rt.clock.now())
    except Problem as exc:
        return await _teams_page(ctx, request, 422, exc)
    return redirect(request, ctx.url("settings/teams"))


@router.post("/teams/{team_id}/delete")
async def delete_team(team_id: int, ctx: Admin, request: Request) -> Response:
    async with ctx.rt.db.session() as session:
        await teams.delete_team(session, ctx.ws, team_id)
    return redirect(request, ctx.url("settings/teams"))


@router.post("/teams/{team_id}/members")
async def team_member(team_id: int, ctx: Admin, request: Request, user_id: int = Form(...),
                      member: str = Form("1")) -> Response:
    async with ctx.rt.db.session() as session:
        await teams.set_member(session, ctx.ws, team_id, user_id, member == "1")
    return redirect(request, ctx.url("settings/teams"))


# ------------------------------------------------------------------ labels
@router.get("/labels")
async def labels_page(ctx: Admin, request: Request) -> Response:
    return await _labels_page(ctx, request)


async def _labels_page(ctx: Ctx, request: Request, status: int = 200, problem: Problem | None = None) -> Response:
    async with ctx.rt.db.reader() as session:
        items = await labels.list_labels(session, ctx.ws)
    return _page(request, ctx, "labels.html", "labels", status, labels=items, colors=labels.COLORS, problem=problem)


@router.post("/labels")
async def create_label(ctx: Admin, request: Request, name: str = Form(""), color: str = Form("slate")) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            await labels.create_label(session, ctx.ws, name, color, now=ctx.rt.clock.now())
    except Problem as exc:
        return await _labels_page(ctx, request, 422, exc)
    return redirect(request, ctx.url("settings/labels"))


@router.post("/labels/{label_id}/delete")
async def delete_label(label_id: int, ctx: Admin, request: Request) -> Response:
    async with ctx.rt.db.session() as session:
        await labels.delete_label(session, ctx.ws, label_id)
    return redirect(request, ctx.url("settings/labels"))


# ------------------------------------------------------------------ canned responses
@router.get("/canned")
async def canned_page(ctx: Admin, request: Request) -> Response:
    return await _canned_page(ctx, request)


async def _canned_page(ctx: Ctx, request: Request, status: int = 200, problem: Problem | None = None) -> Response:
    async with ctx.rt.db.reader() as session:
        items = await canned.list_canned(session, ctx.ws)
    return _page(request, ctx, "canned.html", "canned", status, items=items, problem=problem,
                 variables=canned.VARIABLES)


@router.post("/canned")
async def create_canned(ctx: Admin, request: Request, shortcut: str = Form(""), text: str = Form("")) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            await canned.create_canned(session, ctx.ws, shortcut, text, now=ctx.rt.clock.now())
    except Problem as exc:
        return await _canned_page(ctx, request, 422, exc)
    return redirect(request, ctx.url("settings/canned"))


@router.post("/canned/{canned_id}")
async def update_canned(canned_id: int, ctx: Admin, request: Request, shortcut: str = Form(""),
                        text: str = Form("")) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            await canned.update_canned(session, ctx.ws, canned_id, shortcut, text)
    except Problem as exc:
        if exc.status == 404:
            raise
        return await _canned_page(ctx, request, 422, exc)
    return redirect(request, ctx.url("settings/canned"))


@router.post("/canned/{canned_id}/delete")
async def delete_canned(canned_id: int, ctx: Admin, request: Request) -> Response:
    async with ctx.rt.db.session() as session:
        await canned.delete_canned(session, ctx.ws, canned_id)
    return redirect(request, ctx.url("settings/canned"))
