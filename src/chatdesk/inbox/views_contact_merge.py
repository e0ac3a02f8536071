"""One customer across channels, in the contact panel: merge suggestions (merge / dismiss), a
"Merge with…" contact picker with its confirmation, splitting an identity off again, and the
compact customer timeline with "more". Thin: parse, call a contacts service, render. ``c`` is the
conversation the panel belongs to, opened again after a merge or a split."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..contacts import directory, merge, suggestions, timeline
from ..core.params import text_id
from .web import Ctx, InboxRoute, env, redirect, render, workspace_ctx

router = APIRouter(prefix="/w/{slug}/contacts/{contact_id}/panel", route_class=InboxRoute)
Agent = Annotated[Ctx, Depends(workspace_ctx)]
TIMELINE_SHOWN = 5
PICKED = 8
# which of a contact's identities show "Split off" (_contact.html)
env.filters["splittable"] = merge.splittable


def _actor(ctx: Ctx) -> str:
    return f"user:{ctx.user.id}"


def _back(ctx: Ctx, contact_id: int, c: str) -> str:
    """Where to go after a merge or split: the panel's conversation (the contact's page else)."""
    conv = text_id(c)
    return ctx.url(f"c/{conv}") if conv else ctx.url("")


@router.get("")
async def links(contact_id: int, ctx: Agent, request: Request, c: str = "") -> Response:
    """The panel's section: suggestions, the merge picker's button and the latest timeline."""
    async with ctx.rt.db.reader() as session:
        contact = await merge.live_contact(session, ctx.ws, contact_id)
        offered = await suggestions.open_for(session, contact.id)
        items, nxt = await timeline.page(session, contact.id, cursor=None, limit=TIMELINE_SHOWN)
    return render(request, "_contact_links.html", ctx=ctx, contact=contact, offered=offered, items=items,
                  next_cursor=nxt, c=c)


@router.get("/timeline")
async def more(contact_id: int, ctx: Agent, request: Request, cursor: str = "", c: str = "") -> Response:
    async with ctx.rt.db.reader() as session:
        contact = await merge.live_contact(session, ctx.ws, contact_id)
        items, nxt = await timeline.page(session, contact.id, cursor=cursor[:200] or None, limit=TIMELINE_SHOWN)
    return render(request, "_contact_timeline.html", ctx=ctx, contact=contact, items=items, next_cursor=nxt, c=c)


@router.get("/merge")
async def pick(contact_id: int, ctx: Agent, request: Request, q: str = "", c: str = "",
               list_only: bool = False) -> Response:
    """The "Merge with…" picker: contacts found by name, handle or number (not this one)."""
    async with ctx.rt.db.reader() as session:
        contact = await merge.live_contact(session, ctx.ws, contact_id)
        found, _ = await directory.search_contacts(session, ctx.ws, q=q[:100] or None, page=1, per_page=PICKED + 1)
    return render(request, "_merge_found.html" if list_only else "_merge_pick.html", ctx=ctx, contact=contact, q=q, c=c,
                  found=[f for f in found if f.id != contact.id][:PICKED])


@router.get("/merge/{other_id}")
async def confirm(contact_id: int, other_id: int, ctx: Agent, request: Request, c: str = "") -> Response:
    async with ctx.rt.db.reader() as session:
        contact = await merge.live_contact(session, ctx.ws, contact_id)
        other = await merge.live_contact(session, ctx.ws, other_id)
    return render(request, "_merge_confirm.html", ctx=ctx, contact=contact, other=other, c=c)


@router.post("/merge/{other_id}")
async def do_merge(contact_id: int, other_id: int, ctx: Agent, request: Request, c: str = "") -> Response:
    async with ctx.rt.db.session() as session:
        await merge.merge(session, ctx.ws, contact_id, other_id, actor=_actor(ctx), now=ctx.rt.clock.now())
    return redirect(request, _back(ctx, contact_id, c))


@router.post("/identities/{identity_id}/unmerge")
async def split(contact_id: int, identity_id: int, ctx: Agent, request: Request, c: str = "") -> Response:
    async with ctx.rt.db.session() as session:
        await merge.unmerge(session, ctx.ws, contact_id, identity_id, actor=_actor(ctx), now=ctx.rt.clock.now())
    return redirect(request, _back(ctx, contact_id, c))


@router.post("/suggestions/{suggestion_id}/dismiss")
async def dismiss(contact_id: int, suggestion_id: int, ctx: Agent, request: Request, c: str = "") -> Response:
    async with ctx.rt.db.session() as session:
        await suggestions.dismiss(session, ctx.ws, contact_id, suggestion_id, actor=_actor(ctx),
                                  now=ctx.rt.clock.now())
    return await links(contact_id, ctx, request, c)
