"""The inbox itself: conversation list, a conversation's thread, replies and notes, actions,
typing signals, media and the live event stream. Thin: parse, call a service, render."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response

from ..accounts import members
from ..channels.content import Media, Story
from ..contacts.models import Contact
from ..contacts.service import get_contact
from ..conversations import bulk, canned, inbox_queries, live, paging, service, snooze, triage
from ..conversations.inbox_queries import InboxFilter
from ..conversations.sending import Upload
from ..core.db import get_in_workspace
from ..core.errors import Problem, not_found
from ..core.media import SERVE_HEADERS, MediaStore
from ..core.params import text_id
from . import pages
from .dates import Formatter
from .web import Ctx, InboxRoute, LoginRequired, current_user, finish, is_htmx, render, workspace_ctx

router = APIRouter(prefix="/w/{slug}", route_class=InboxRoute)
Agent = Annotated[Ctx, Depends(workspace_ctx)]
INLINE_MEDIA = ("image/jpeg", "image/png", "image/webp", "image/gif", "audio/", "video/")


def _filter(view: str, status: str, channel: str, label: str, team: str, q: str, sort: str = "") -> InboxFilter:
    return InboxFilter(view, status, text_id(channel), text_id(label), text_id(team), q, sort).normalised()


Filters = Annotated[InboxFilter, Depends(
    lambda view="all", status="open", channel="", label="", team="", q="", sort="":
    _filter(view, status, channel, label, team, q, sort))]


@router.get("")
async def slash(ctx: Agent, request: Request) -> Response:
    return finish(request, Response(status_code=307, headers={"Location": ctx.url()}))


@router.get("/")
async def inbox(ctx: Agent, request: Request, f: Filters, cursor: str = "", shown: str = "") -> Response:
    """The inbox; with ``cursor``, just the list's next page (infinite scroll). A live refresh
    says how many rows the agent has ``shown`` so that far stays loaded."""
    async with ctx.rt.db.reader() as session:
        if cursor:
            page = await pages.list_page(session, ctx, f, paging.decode(cursor, paging.Sort(f.sort)))
            return render(request, "_list_rows.html", ctx=ctx, **page)
        data = await pages.inbox_data(session, ctx, f, shown=text_id(shown) or 0)  # blank: the first page
    if is_htmx(request) and request.headers.get("hx-target") == "conv-list":
        return render(request, "_list.html", ctx=ctx, **data)
    return render(request, "inbox.html", ctx=ctx, conv=None, **data)


@router.get("/c/{conversation_id}")
async def conversation(conversation_id: int, ctx: Agent, request: Request, f: Filters) -> Response:
    async with ctx.rt.db.reader() as session:
        conv = await service.get_conversation(session, ctx.ws, conversation_id)
        view = await pages.conversation_data(session, ctx, conv)
        if is_htmx(request) and request.headers.get("hx-target") == "pane":
            return render(request, "_conversation.html", ctx=ctx, **view)
        data = await pages.inbox_data(session, ctx, f)
    return render(request, "inbox.html", ctx=ctx, **{**data, **view})


@router.get("/c/{conversation_id}/header")
async def header(conversation_id: int, ctx: Agent, request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        conv = await service.get_conversation(session, ctx.ws, conversation_id)
        view = await pages.conversation_data(session, ctx, conv, with_thread=False)
    return render(request, "_header.html", ctx=ctx, **view)


@router.get("/c/{conversation_id}/window")
async def window(conversation_id: int, ctx: Agent, request: Request) -> Response:
    """The composer's reply window banner (refreshed live when the window may have changed)."""
    async with ctx.rt.db.reader() as session:
        conv = await service.get_conversation(session, ctx.ws, conversation_id)
        view = await pages.window_view(session, ctx, conv)
    return render(request, "_window.html", ctx=ctx, standalone=True, **view)


@router.get("/c/{conversation_id}/messages")
async def messages(conversation_id: int, ctx: Agent, request: Request, after: int = Query(0, ge=0)) -> Response:
    """Messages newer than ``after`` (what the live stream says is new)."""
    async with ctx.rt.db.reader() as session:
        conv = await service.get_conversation(session, ctx.ws, conversation_id)
        thread = await inbox_queries.thread(session, conv, after=after)
    return render(request, "_messages.html", ctx=ctx, conv=conv, thread=thread)


@router.get("/c/{conversation_id}/m/{message_id}")
async def one_message(conversation_id: int, message_id: int, ctx: Agent, request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        conv = await service.get_conversation(session, ctx.ws, conversation_id)
        thread = await inbox_queries.thread(session, conv, only=message_id)
    if not thread.messages:
        raise not_found("Message")
    return render(request, "_messages.html", ctx=ctx, conv=conv, thread=thread)


@router.post("/c/{conversation_id}/messages")
async def send(conversation_id: int, ctx: Agent, request: Request, text: str = Form(""), mode: str = Form("reply"),
               file: list[UploadFile] | None = None, reply_to_id: str = Form(""),
               interactive: str = Form("", max_length=100_000), mentions: str = Form("", max_length=2_000)) -> Response:
    """Reply (queued for sending) or private note (``mentions``: the picked agents' ids, comma-separated).
    A refusal (e.g. window closed) is shown in place. Several files go as one message each (the text
    with the first), all or none."""
    uploads: list[Upload | None] = [Upload(f.file, f.content_type or "application/octet-stream", f.filename)
               for f in file or [] if f.filename] or [None]
    if mode == "note":  # a note carries no file
        uploads = uploads[:1]
    try:
        async with ctx.rt.db.session() as session:
            conv = await service.get_conversation(session, ctx.ws, conversation_id)
            ids = []
            for i, upload in enumerate(uploads):
                message = await pages.send(session, ctx, conv, text=text if i == 0 else "", note=mode == "note",
                                           upload=upload, reply_to_id=text_id(reply_to_id) if i == 0 else None,
                                           interactive=interactive,
                                           mentions=pages.mention_ids(mentions) if i == 0 else ())
                ids.append(message.id)
            thread = await (inbox_queries.thread(session, conv, only=ids[0]) if len(ids) == 1
                            else inbox_queries.thread(session, conv, after=min(ids) - 1))
    except Problem as exc:
        if exc.status == 404:
            raise
        return render(request, "_composer_error.html", ctx=ctx, status=422, problem=exc)
    return render(request, "_messages.html", ctx=ctx, conv=conv, thread=thread)


@router.post("/c/{conversation_id}/read", status_code=204)
async def read(conversation_id: int, ctx: Agent, request: Request) -> Response:
    async with ctx.rt.db.session() as session:
        conv = await service.get_conversation(session, ctx.ws, conversation_id)
        await service.mark_read(session, conv, now=ctx.rt.clock.now())
    return finish(request, Response(status_code=204))


async def _act(ctx: Ctx, request: Request, conversation_id: int, action) -> Response:
    """Run one triage action, then answer with the refreshed header (or the problem, in place)."""
    try:
        async with ctx.rt.db.session() as session:
            conv = await service.get_conversation(session, ctx.ws, conversation_id)
            await action(session, conv)
    except Problem as exc:
        if exc.status == 404:
            raise
        return render(request, "_composer_error.html", ctx=ctx, status=422, problem=exc,
                      headers={"HX-Retarget": "#action-error", "HX-Reswap": "innerHTML"})
    return await header(conversation_id, ctx, request)


def _id_or_none(value: str, me: int) -> int | None:
    if value == "me":
        return me
    return text_id(value)


@router.post("/c/{conversation_id}/assign")
async def assign(conversation_id: int, ctx: Agent, request: Request, assignee: str | None = Form(None),
                 team: str | None = Form(None)) -> Response:
    what = triage.StateChange(
        assignee_id=triage.UNSET if assignee is None else _id_or_none(assignee, ctx.user.id),
        team_id=triage.UNSET if team is None else _id_or_none(team, -1), actor_id=ctx.user.id)
    return await _act(ctx, request, conversation_id,
                      lambda s, c: triage.change(s, c, what, now=ctx.rt.clock.now()))


@router.post("/c/{conversation_id}/status")
async def status(conversation_id: int, ctx: Agent, request: Request, status: str = Form(...),
                 until: str = Form(""), preset: str = Form("")) -> Response:
    """Set the status; a snooze lasts until the date picker's ``until`` or a ``preset``."""
    from .dates import Formatter
    local = Formatter(ctx.workspace.timezone, "en", None)
    when = snooze.preset_time(preset, ctx.rt.clock.now(), local.zone) if preset else \
        local.parse_local(until) if until else None
    return await _act(ctx, request, conversation_id,
                      lambda s, c: triage.change(s, c, triage.StateChange(status=status, snooze_until=when),
                                                 now=ctx.rt.clock.now()))


@router.post("/c/{conversation_id}/priority")
async def priority(conversation_id: int, ctx: Agent, request: Request, priority: str = Form(...)) -> Response:
    return await _act(ctx, request, conversation_id,
                      lambda s, c: triage.change(s, c, triage.StateChange(priority=priority), now=ctx.rt.clock.now()))


@router.post("/c/{conversation_id}/labels")
async def set_labels(conversation_id: int, ctx: Agent, request: Request) -> Response:
    form = await request.form()
    ids = [i for v in form.getlist("label") if isinstance(v, str) and (i := text_id(v)) is not None]
    return await _act(ctx, request, conversation_id,
                      lambda s, c: triage.change(s, c, triage.StateChange(label_ids=ids), now=ctx.rt.clock.now()))


@router.post("/bulk")
async def bulk_action(ctx: Agent, request: Request) -> Response:
    """The list's bulk bar: one action on the selected conversations, in one transaction. The
    list refreshes from the live events the changes send; a refusal is shown in the bar."""
    form = await request.form()
    ids = [i for v in form.getlist("id") if isinstance(v, str) and (i := text_id(v)) is not None]
    field = {k: v if isinstance(v, str) else "" for k, v in form.items()}
    now = ctx.rt.clock.now()
    try:
        action = bulk.BulkAction(field.get("action", ""))
        what = bulk.Bulk(action, assignee_id=text_id(field.get("assignee", "")),
                         label_ids=tuple(i for i in (text_id(field.get("label", "")),) if i is not None),
                         snooze_until=snooze.preset_time(field.get("preset", ""), now, Formatter(
                             ctx.workspace.timezone, "en", None).zone) if action == bulk.BulkAction.SNOOZE else None)
        async with ctx.rt.db.session() as session:
            await bulk.apply(session, ctx.ws, ids, what, now=now)
    except ValueError:
        return finish(request, Response(status_code=422))
    except Problem as exc:
        return render(request, "_composer_error.html", ctx=ctx, status=422, problem=exc,
                      headers={"HX-Retarget": "#bulk-error", "HX-Reswap": "innerHTML"})
    return finish(request, Response(status_code=204, headers={"HX-Trigger": "bulk-done"}))


@router.post("/c/{conversation_id}/typing", status_code=204)
async def typing(conversation_id: int, ctx: Agent, request: Request, mode: str = Form("reply")) -> Response:
    async with ctx.rt.db.reader() as session:
        await service.get_conversation(session, ctx.ws, conversation_id)
    await triage.typing(ctx.rt.bus, ctx.ws, conversation_id, user_id=ctx.user.id,
                        name=ctx.user.name or ctx.user.email, mode=mode)
    return finish(request, Response(status_code=204))


@router.get("/canned")
async def canned_search(ctx: Agent, request: Request, q: str = "", c: int | None = None) -> Response:
    """Canned responses by prefix; with conversation ``c`` their variables are filled in for it."""
    async with ctx.rt.db.reader() as session:
        items = await canned.list_canned(session, ctx.ws, q.lstrip("/"))
        contact = None
        if c is not None:
            conv = await service.get_conversation(session, ctx.ws, c)
            contact = await get_contact(session, ctx.ws, conv.contact_id)
    values = canned.variables(contact_name=contact.name if contact else "",
                              contact_phone=contact.phone if contact else None,
                              agent_name=ctx.user.name or ctx.user.email, workspace_name=ctx.workspace.name)
    filled = {item.id: canned.fill(item.text, values) for item in items}
    return render(request, "_canned.html", ctx=ctx, items=items, filled=filled)


@router.get("/media/{message_id}")
async def media(message_id: int, ctx: Agent, request: Request) -> Response:
    """A message's media, to members of its workspace only; never rendered as a page."""
    async with ctx.rt.db.reader() as session:
        message = await pages.message_in_workspace(session, ctx.ws, message_id)
    content = message.content
    store = MediaStore(ctx.rt.settings.media_dir)
    if not isinstance(content, Media | Story) or (path := store.path(ctx.ws, content.stored or "")) is None:
        raise not_found("Media")
    mime = content.mime_type or "application/octet-stream"
    inline = mime.startswith(INLINE_MEDIA)
    return FileResponse(path, media_type=mime if inline else "application/octet-stream",
                        filename=getattr(content, "filename", None) or f"{message.type}-{message.id}",
                        content_disposition_type="inline" if inline else "attachment",
                        headers=SERVE_HEADERS)


@router.get("/contacts/{contact_id}/avatar")
async def avatar(contact_id: int, ctx: Agent) -> Response:
    """A contact's picture as their channel showed it (copied into the media store)."""
    async with ctx.rt.db.reader() as session:
        contact = await get_in_workspace(session, Contact, ctx.ws, contact_id)
    path = MediaStore(ctx.rt.settings.media_dir).path(ctx.ws, contact.avatar or "")
    if path is None:
        raise not_found("Avatar")
    return FileResponse(path, headers=SERVE_HEADERS)


@router.get("/events")
async def events(ctx: Agent, request: Request) -> Response:
    """The workspace's live events for the signed-in agent's browser (SSE); it ends once the
    session is signed out or the agent is no longer a member."""
    async def allowed() -> bool:
        try:
            user = await current_user(request)
        except LoginRequired:
            return False
        async with ctx.rt.db.reader() as session:
            return await members.is_member(session, ctx.ws, user.id)
    return live.event_stream(ctx.rt, ctx.ws, request, allowed)
