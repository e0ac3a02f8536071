"""The contacts page: the list (search, filters by label, channel and attribute, keyset pages,
bulk label), a contact's page (profile, identities, labels, attributes edited inline), CSV
import (upload → the ``contacts.import`` job → progress → the report) and export (streamed);
and Settings → Attributes (the workspace's attribute definitions)."""
from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select

from ..channels import setup as channels
from ..contacts import attribute_service, csv_io, directory, imports, service, timeline
from ..contacts import labels as contact_labels
from ..contacts.attributes import BadValue
from ..contacts.models import ContactImport
from ..conversations import service as conversations
from ..conversations.models import Conversation, Message
from ..core.db import get_in_workspace
from ..core.errors import Problem
from . import pages
from .web import Ctx, InboxRoute, admin_ctx, redirect, render, workspace_ctx

TIMELINE_SHOWN = 20  # the contact page's first page of the timeline ("More" pages on)
NOTES_SHOWN = 20

router = APIRouter(prefix="/w/{slug}", route_class=InboxRoute)
Member = Annotated[Ctx, Depends(workspace_ctx)]
Admin = Annotated[Ctx, Depends(admin_ctx)]
PAGE = 50
UPLOAD_CHUNK = 1 << 16


def _filters(request: Request) -> directory.Filters:
    p = request.query_params
    channel = p.get("channel") or ""
    return directory.Filters(q=p.get("q") or None, label=p.get("label") or None,
                             channel_id=int(channel) if channel.isdigit() else None,
                             attrs=directory.parse_attr_params(list(p.multi_items())))


@router.get("/contacts")
async def contacts_page(ctx: Member, request: Request, before: int | None = None) -> Response:
    problem, status = None, 200
    async with ctx.rt.db.reader() as session:
        defs = await attribute_service.defs_by_key(session, ctx.ws)
        try:
            f = _filters(request)
            stmt = directory.query(ctx.ws, f, defs, await service.default_region(session, ctx.ws))
        except BadValue as exc:
            problem, status = Problem(422, "invalid_filter", "Invalid filter", str(exc)), 422
            f, stmt = directory.Filters(), directory.query(ctx.ws, directory.Filters(), defs, None)
        rows, next_before = await directory.keyset_page(session, stmt, before=before, limit=PAGE)
        ids = [c.id for c in rows]
        names = await contact_labels.of_contacts(session, ids)
        all_labels = await contact_labels.workspace_labels(session, ctx.ws)
        chans = await channels.workspace_channels(session, ctx.ws)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "before"]
    return render(request, "contacts/list.html", ctx=ctx, section="contacts", status=status, problem=problem,
                  contacts=rows, names=names, labels=all_labels, channels=chans, defs=defs, f=f,
                  attr_values={c.key: c.value for c in f.attrs if c.op == "eq"}, query=query,
                  next_before=next_before)


@router.post("/contacts/bulk-label")
async def bulk_label(ctx: Member, request: Request, label: Annotated[str, Form(max_length=64)],
                     contact: Annotated[list[int] | None, Form()] = None,
                     back: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Put a label (made if new) on the selected contacts."""
    async with ctx.rt.db.session() as session:
        ids = [c.id for c in await service.contacts_by_id(session, ctx.ws, contact or [])]
        found = await contact_labels.label_ids(session, ctx.ws, [label], now=ctx.rt.clock.now())
        if found and ids:
            (label_id,) = found.values()
            await contact_labels.add(session, [(i, label_id) for i in ids])
    target = back if back.startswith(ctx.url("contacts")) else ctx.url("contacts")
    return redirect(request, target)


@router.get("/contacts/export.csv")
async def export_contacts(ctx: Member) -> Response:
    async def chunks() -> Any:
        async for text, _n in csv_io.export_csv(ctx.rt.db, ctx.ws):
            yield text
    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="contacts.csv"'})


@router.post("/contacts/import")
async def import_contacts(ctx: Member, request: Request, file: UploadFile) -> Response:
    """Store the upload (in chunks, never whole in memory) and queue the import job."""
    folder = ctx.rt.settings.data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    with path.open("wb") as out:
        while chunk := await file.read(UPLOAD_CHUNK):
            out.write(chunk)
    async with ctx.rt.db.session() as session:
        row = await imports.start(session, ctx.ws, filename=file.filename or "contacts.csv", path=path,
                                  now=ctx.rt.clock.now())
    return redirect(request, ctx.url(f"contacts/imports/{row.id}"))


@router.get("/contacts/imports/{import_id}")
async def import_page(ctx: Member, request: Request, import_id: int) -> Response:
    async with ctx.rt.db.reader() as session:
        row = await get_in_workspace(session, ContactImport, ctx.ws, import_id)
    template = "contacts/_import.html" if request.headers.get("HX-Request") else "contacts/import.html"
    return render(request, template, ctx=ctx, section="contacts", imp=row)


@router.get("/contacts/imports/{import_id}/report.csv")
async def import_report(ctx: Member, import_id: int) -> Response:
    async with ctx.rt.db.reader() as session:
        row = await get_in_workspace(session, ContactImport, ctx.ws, import_id)
    return Response(row.report or "line,reason\n", media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="import-{row.id}-rejected.csv"'})


async def _contact_page(ctx: Ctx, request: Request, contact_id: int, status: int = 200,
                        problem: Problem | None = None) -> Response:
    async with ctx.rt.db.reader() as session:
        contact = await service.get_contact(session, ctx.ws, contact_id)
        idents = (await service.identities(session, [contact.id]))[contact.id]
        names = (await contact_labels.of_contacts(session, [contact.id]))[contact.id]
        defs = await attribute_service.defs_by_key(session, ctx.ws)
        chans = {c.id: c for c in await channels.workspace_channels(session, ctx.ws)}
        last = await _last_channel(session, contact.id)
        items, nxt = await timeline.page(session, contact.id, cursor=None, limit=TIMELINE_SHOWN)
        notes = await _notes(session, contact.id)
    reachable = [chans[i] for i in dict.fromkeys(i.channel_id for i in idents) if i in chans]
    return render(request, "contacts/contact.html", ctx=ctx, section="contacts", status=status, problem=problem,
                  contact=contact, identities=idents, names=names, defs=defs, channels=chans, reachable=reachable,
                  last_channel=last, items=items, next_cursor=nxt, c="", notes=notes)


async def _notes(session: Any, contact_id: int) -> list[Message]:
    """The agents' private notes in all of the contact's conversations, newest first."""
    return list((await session.execute(
        select(Message).join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.contact_id == contact_id, Message.type == "note")
        .order_by(Message.id.desc()).limit(NOTES_SHOWN))).scalars())


async def _last_channel(session: Any, contact_id: int) -> int | None:
    """The channel the customer last wrote on (their latest inbound conversation), if any."""
    return (await session.execute(select(Conversation.channel_id).where(Conversation.contact_id == contact_id)
                                  .order_by(Conversation.last_inbound_at.desc().nulls_last(), Conversation.id.desc())
                                  .limit(1))).scalar()


@router.post("/contacts/{contact_id}/reply")
async def reply(ctx: Member, request: Request, contact_id: int, text: Annotated[str, Form(max_length=4096)],
                channel: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Reply from the contact page on the channel picked (default: the one they last used): the
    contact's current conversation there, or a new one, through the inbox's one send path (the
    window and template rules apply as in the conversation)."""
    try:
        async with ctx.rt.db.session() as session:
            contact = await service.get_contact(session, ctx.ws, contact_id)
            idents = (await service.identities(session, [contact.id]))[contact.id]
            channel_id = int(channel) if channel.isdigit() else await _last_channel(session, contact.id)
            if channel_id is None and idents:
                channel_id = idents[0].channel_id
            if channel_id not in {i.channel_id for i in idents}:
                raise Problem(422, "no_identity", "The customer cannot be reached there",
                              "the contact has no identity on that channel")
            conv = await conversations.current_conversation(session, workspace_id=ctx.ws, channel_id=channel_id,
                                                            contact_id=contact.id, now=ctx.rt.clock.now())
            await pages.send(session, ctx, conv, text=text, note=False, upload=None, reply_to_id=None)
    except Problem as exc:
        return await _contact_page(ctx, request, contact_id, exc.status, exc)
    return redirect(request, ctx.url(f"c/{conv.id}"))


@router.get("/contacts/{contact_id}")
async def contact_page(ctx: Member, request: Request, contact_id: int) -> Response:
    return await _contact_page(ctx, request, contact_id)


@router.post("/contacts/{contact_id}/attributes")
async def save_attributes(ctx: Member, request: Request, contact_id: int) -> Response:
    """The contact page's inline form: every defined attribute's field (empty clears it)."""
    form = await request.form()
    async with ctx.rt.db.reader() as session:
        defs = await attribute_service.defs_by_key(session, ctx.ws)
    changes = {key: str(form.get(f"attr.{key}", "")) for key in defs}
    try:
        async with ctx.rt.db.session() as session:
            contact = await service.get_contact(session, ctx.ws, contact_id)
            await attribute_service.set_values(session, ctx.ws, contact, changes)
    except Problem as exc:
        return await _contact_page(ctx, request, contact_id, exc.status, exc)
    return redirect(request, ctx.url(f"contacts/{contact_id}"))


# ------------------------------------------------------------------ Settings → Attributes
@router.get("/settings/attributes")
async def attributes_page(ctx: Admin, request: Request) -> Response:
    return await _attributes_page(ctx, request)


async def _attributes_page(ctx: Ctx, request: Request, status: int = 200, problem: Problem | None = None) -> Response:
    async with ctx.rt.db.reader() as session:
        rows = await attribute_service.list_defs(session, ctx.ws)
    return render(request, "admin/attributes.html", ctx=ctx, tab="attributes", section="settings", status=status,
                  problem=problem, attributes=rows)


@router.post("/settings/attributes")
async def create_attribute(ctx: Admin, request: Request, key: Annotated[str, Form(max_length=64)],
                           type: Annotated[str, Form(max_length=16)], label: Annotated[str, Form(max_length=200)] = "",
                           choices: Annotated[str, Form(max_length=5000)] = "") -> Response:
    try:
        async with ctx.rt.db.session() as session:
            await attribute_service.create_def(session, ctx.ws, key=key.strip(), label=label, type_=type,
                                               choices=choices.split(","), now=ctx.rt.clock.now())
    except Problem as exc:
        return await _attributes_page(ctx, request, exc.status, exc)
    return redirect(request, ctx.url("settings/attributes"))


@router.post("/settings/attributes/{def_id}/delete")
async def delete_attribute(ctx: Admin, request: Request, def_id: int) -> Response:
    async with ctx.rt.db.session() as session:
        await attribute_service.delete_def(session, ctx.ws, def_id)
    return redirect(request, ctx.url("settings/attributes"))


@router.post("/settings/region")
async def set_region(ctx: Admin, request: Request, region: Annotated[str, Form(max_length=2)] = "") -> Response:
    """The workspace's default region for phone numbers written without a country code."""
    async with ctx.rt.db.session() as session:
        await service.set_default_region(session, ctx.ws, region)
    return redirect(request, ctx.url("settings/attributes"))
