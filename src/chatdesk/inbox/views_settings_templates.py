"""Settings → Templates: the workspace's message templates with their review status (approved,
pending, rejected with the reason, paused, disabled), category and language; "Sync now"; and a
create form that submits through the templates service (Meta's rules checked first, each broken
rule shown at its field)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import ChannelError
from ..channels.models import Channel
from ..channels.service import ChannelRef
from ..channels.templates import service as templates
from ..core.errors import Problem
from .web import Ctx, InboxRoute, admin_ctx, redirect, render

router = APIRouter(prefix="/w/{slug}/settings", route_class=InboxRoute)
Admin = Annotated[Ctx, Depends(admin_ctx)]
FIELDS = ("channel", "name", "language", "category", "header", "body", "examples", "footer", "buttons")


async def _template_channels(session: AsyncSession, ctx: Ctx) -> list[Channel]:
    """The workspace's channels whose platform has message templates."""
    rows = (await session.execute(select(Channel).where(Channel.workspace_id == ctx.ws).order_by(Channel.id))).scalars()
    return [c for c in rows if isinstance(ctx.rt.registry.get(c.kind), templates.TemplateProvider)]


async def _page(request: Request, ctx: Ctx, status: int = 200, **values: Any) -> Response:
    async with ctx.rt.db.reader() as session:
        rows = await templates.list_templates(session, ctx.ws)
        channels = await _template_channels(session, ctx)
    values.setdefault("form", {"category": "UTILITY"})
    values.setdefault("errors", {})
    values.setdefault("synced", -1)
    return render(request, "admin/templates.html", ctx=ctx, tab="templates", section="settings", status=status,
                  templates=rows, channels={c.id: c for c in channels}, categories=("UTILITY", "MARKETING",
                                                                                  "AUTHENTICATION"), **values)


@router.get("/templates")
async def templates_page(ctx: Admin, request: Request, synced: int = -1) -> Response:
    return await _page(request, ctx, synced=synced)


@router.post("/templates/sync")
async def sync_now(ctx: Admin, request: Request) -> Response:
    """Fetch every channel's templates from the provider now (also done hourly)."""
    try:
        results = await templates.sync_workspace(ctx.rt, ctx.ws)
    except ChannelError as exc:
        return await _page(request, ctx, 502, problem=Problem(502, "sync_failed", "The platform did not answer",
                                                               exc.detail or exc.title))
    return redirect(request, ctx.url(f"settings/templates?synced={sum(r.total for r in results)}"))


def draft_of(form: dict[str, str]) -> tuple[dict[str, Any], dict[int, str]]:
    """The template the form describes (Meta's components), and which form field each component
    came from (so the rules' errors, located by component, are shown at the right field)."""
    components: list[dict[str, Any]] = []
    where: dict[int, str] = {}
    examples = [v.strip() for v in form.get("examples", "").split("\n") if v.strip()]
    if form.get("header", "").strip():
        where[len(components)] = "header"
        components.append({"type": "HEADER", "format": "TEXT", "text": form["header"].strip()})
    where[len(components)] = "body"
    body: dict[str, Any] = {"type": "BODY", "text": form.get("body", "").strip()}
    if examples:
        body["example"] = {"body_text": [examples]}
    components.append(body)
    if form.get("footer", "").strip():
        where[len(components)] = "footer"
        components.append({"type": "FOOTER", "text": form["footer"].strip()})
    buttons = [b.strip() for b in form.get("buttons", "").split("\n") if b.strip()]
    if buttons:
        where[len(components)] = "buttons"
        components.append({"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": b} for b in buttons]})
    draft = {"name": form.get("name", "").strip(), "language": form.get("language", "").strip(),
             "category": form.get("category", ""), "components": components}
    return draft, where


def field_errors(errors: list[dict[str, Any]], where: dict[int, str]) -> dict[str, str]:
    """The rules' errors by form field; one that names no field of the form goes under ``""``."""
    out: dict[str, str] = {}
    for error in errors:
        loc = list(error.get("loc") or [])
        field = str(loc[0]) if loc else ""
        if field == "components" and len(loc) > 1 and isinstance(loc[1], int):
            field = where.get(loc[1], "")
            field = "examples" if field == "body" and "example" in map(str, loc) else field
        out.setdefault(field if field in FIELDS else "", str(error.get("msg", "")))
    return out


@router.post("/templates")
async def create(ctx: Admin, request: Request) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k in FIELDS}
    draft, where = draft_of(form)
    try:
        ref = await _channel_ref(ctx, form.get("channel", ""))
        await templates.submit(ctx.rt, ref, draft)
    except Problem as exc:
        errors = field_errors(list(exc.extra.get("errors") or []), where)
        return await _page(request, ctx, 422, form=form, errors=errors, problem=exc)
    return redirect(request, ctx.url("settings/templates"))


async def _channel_ref(ctx: Ctx, value: str) -> ChannelRef:
    async with ctx.rt.db.reader() as session:
        channels = await _template_channels(session, ctx)
        chosen = next((c for c in channels if str(c.id) == value.strip()), channels[0] if len(channels) == 1 else None)
        ref = await ctx.rt.channels.by_id(session, chosen.id) if chosen is not None else None
    if ref is None:
        raise Problem(422, "invalid_template", "Choose a channel", errors=[{"loc": ["channel"], "msg": "required"}])
    return ref
