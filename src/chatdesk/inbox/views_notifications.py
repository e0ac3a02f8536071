"""The inbox's bell: the agent's unread count and newest notification (read by
``notifications.js`` on load and on each live ``notification.created``), the list, opening one
(marks it read, goes to the conversation) and marking all read."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ..core.errors import not_found
from ..notifications import service as notifications
from ..notifications.service import Entry
from . import i18n
from .web import Ctx, InboxRoute, finish, language, redirect, render, workspace_ctx

router = APIRouter(prefix="/w/{slug}/notifications", route_class=InboxRoute)
Agent = Annotated[Ctx, Depends(workspace_ctx)]

TEXTS = {
    ("assigned", True): "%(actor)s assigned you the conversation with %(contact)s",
    ("assigned", False): "The conversation with %(contact)s was assigned to you",
    ("mention", True): "%(actor)s mentioned you in a note on %(contact)s",
    ("mention", False): "You were mentioned in a note on %(contact)s",
    ("new_conversation", True): "New conversation with %(contact)s",
    ("new_conversation", False): "New conversation with %(contact)s",
}


def describe(tr: i18n.Translator, entry: Entry) -> str:
    """One line saying what happened, in the agent's language."""
    message = TEXTS.get((entry.kind, entry.actor_name is not None), "%(contact)s")
    return tr.gettext(message) % {"actor": entry.actor_name or "", "contact": entry.contact_name or "?"}


@router.get("/state")
async def state(ctx: Agent, request: Request) -> Response:
    """The unread count and the newest unread notification (for the title, sound and desktop)."""
    async with ctx.rt.db.reader() as session:
        unread = await notifications.unread_count(session, ctx.user.id, ctx.ws)
        newest = await notifications.recent(session, ctx.user.id, ctx.ws, unread_only=True, limit=1)
    tr = i18n.translator(language(request))
    latest = {"id": newest[0].id, "text": describe(tr, newest[0]), "url": ctx.url(f"notifications/{newest[0].id}"),
              "kind": newest[0].kind} if newest else None
    return finish(request, JSONResponse({"unread": unread, "latest": latest}))


@router.get("")
async def listing(ctx: Agent, request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        entries = await notifications.recent(session, ctx.user.id, ctx.ws)
    tr = i18n.translator(language(request))
    return render(request, "_notifications.html", ctx=ctx, entries=[(e, describe(tr, e)) for e in entries])


@router.post("/read")
async def read_all(ctx: Agent, request: Request) -> Response:
    async with ctx.rt.db.session() as session:
        await notifications.mark_read(session, ctx.user.id, now=ctx.rt.clock.now(), workspace_id=ctx.ws)
    return await listing(ctx, request)


@router.get("/{notification_id}")
async def open_one(notification_id: int, ctx: Agent, request: Request) -> Response:
    """Marks it read and opens its conversation (another agent's id: 404, as for any id not yours)."""
    async with ctx.rt.db.session() as session:
        found = await notifications.get_own(session, ctx.user.id, notification_id)
        if found is None or found.workspace_id != ctx.ws:
            raise not_found("Notification")
        await notifications.mark_read(session, ctx.user.id, now=ctx.rt.clock.now(), ids=[found.id])
        conversation_id = found.conversation_id
    return redirect(request, ctx.url(f"c/{conversation_id}"))
