"""The template picker, in a conversation and for a contact's new conversation: the channel's
approved templates (search, the customer's language first), one chosen and its variables filled
(prefilled from the contact and conversation), its preview exactly as the customer will see it
(``channels/templates/render.py``), and its send through the one send path. Thin: parse, call a
service, render."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.templates import render as rendering
from ..channels.templates import service as templates
from ..channels.templates import shape
from ..channels.templates.models import MessageTemplate
from ..contacts.models import Contact
from ..conversations import inbox_queries, service
from ..conversations.models import Conversation
from ..core.db import get_in_workspace
from ..core.errors import Problem, not_found
from ..core.params import text_id
from . import pages, template_form
from .web import Ctx, InboxRoute, redirect, render, workspace_ctx

router = APIRouter(prefix="/w/{slug}", route_class=InboxRoute)
Agent = Annotated[Ctx, Depends(workspace_ctx)]
LISTED = 50


async def _offered(session: AsyncSession, ctx: Ctx, channel_id: int, language: str | None, q: str) -> list[Any]:
    found = await templates.list_templates(session, ctx.ws, channel_id=channel_id, status=templates.APPROVED,
                                           q=q[:100] or None)
    return template_form.offer_order(found, language)[:LISTED]


async def _template(session: AsyncSession, ctx: Ctx, channel_id: int, template_id: int) -> MessageTemplate:
    row = await get_in_workspace(session, MessageTemplate, ctx.ws, template_id)
    if row.channel_id != channel_id or row.status != templates.APPROVED:
        raise not_found("Template")
    return row


def fill_view(ctx: Ctx, row: MessageTemplate, contact: Contact, conv: Conversation | None) -> dict[str, Any]:
    """The fill form of ``row``: its slots, their prefilled values and the preview."""
    slots = shape.slots(row.components)
    known = template_form.facts(name=contact.name, phone=contact.phone, email=contact.email,
                                attributes=contact.attributes, agent_name=ctx.user.name or ctx.user.email,
                                conversation_id=conv.id if conv else None, workspace=ctx.workspace.name)
    values = {f"header.{k}": v for k, v in template_form.prefill(slots.header, known).items()}
    values |= {f"body.{k}": v for k, v in template_form.prefill(slots.body, known).items()}
    return {"tpl": row, "slots": slots, "values": values, "preview": preview_of(row, values)}


def parameters(row: MessageTemplate, form: dict[str, str]) -> template_form.FormParameters:
    slots = shape.slots(row.components)
    return template_form.read_form(form, header=slots.header, body=slots.body, buttons=slots.buttons,
                                   media=slots.header_media is not None)


def preview_of(row: MessageTemplate, form: dict[str, str]) -> rendering.Rendered:
    """The template as the customer will see it; a variable not filled yet shows as ``{{name}}``."""
    slots = shape.slots(row.components)

    def given(prefix: str, names: list[str]) -> dict[str, str]:
        return {n: v for n in names if (v := form.get(f"{prefix}.{n}", "").strip())}
    header: list[str] | dict[str, str] = [link] if slots.header_media and (link := form.get("media", "").strip()) \
        else given("header", slots.header)
    return rendering.render(row.components, shape.Parameters(
        header=header, body=given("body", slots.body), buttons=parameters(row, form).buttons))


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


class Scope:
    """Where a picker sends: a conversation ("tp"), or a contact on a channel ("nc": a new
    conversation). Both offer the channel's approved templates to the same contact."""

    def __init__(self, ctx: Ctx, channel_id: int, contact: Contact, conv: Conversation | None):
        self.channel_id, self.contact, self.conv = channel_id, contact, conv
        self.p = "tp" if conv is not None else "nc"
        self.base = ctx.url(f"c/{conv.id}/templates" if conv is not None
                            else f"contacts/{contact.id}/channels/{channel_id}/templates")


async def _conversation_scope(session: AsyncSession, ctx: Ctx, conversation_id: int) -> Scope:
    conv = await service.get_conversation(session, ctx.ws, conversation_id)
    return Scope(ctx, conv.channel_id, await session.get_one(Contact, conv.contact_id), conv)


async def _contact_scope(session: AsyncSession, ctx: Ctx, contact_id: int, channel_id: int | None) -> Scope:
    contact = await get_in_workspace(session, Contact, ctx.ws, contact_id)
    channel = await pages.contact_channel(session, ctx, contact, channel_id)
    return Scope(ctx, channel, contact, None)


async def _picker(request: Request, ctx: Ctx, scope: Scope, q: str, list_only: bool) -> Response:
    async with ctx.rt.db.reader() as session:
        offered = await _offered(session, ctx, scope.channel_id, scope.contact.language, q)
    return render(request, "_template_list.html" if list_only else "_template_picker_body.html", ctx=ctx,
                  p=scope.p, offered=offered, q=q, base=scope.base, contact=scope.contact,
                  title=None if scope.conv is not None else _NEW_TITLE)


_NEW_TITLE = "Start a conversation with an approved template"


async def _choose(request: Request, ctx: Ctx, scope: Scope, template_id: int) -> Response:
    async with ctx.rt.db.reader() as session:
        row = await _template(session, ctx, scope.channel_id, template_id)
    return render(request, "_template_fill.html", ctx=ctx, p=scope.p, base=f"{scope.base}/{row.id}",
                  **fill_view(ctx, row, scope.contact, scope.conv))


async def _preview(request: Request, ctx: Ctx, scope: Scope, template_id: int) -> Response:
    form = await _form(request)
    async with ctx.rt.db.reader() as session:
        row = await _template(session, ctx, scope.channel_id, template_id)
    return render(request, "_template_preview.html", ctx=ctx, tpl=row, preview=preview_of(row, form))


@router.get("/c/{conversation_id}/templates")
async def picker(conversation_id: int, ctx: Agent, request: Request, q: str = "", list_only: bool = False) -> Response:
    """The picker (or, with ``list_only``, its list for a search) for a conversation."""
    async with ctx.rt.db.reader() as session:
        scope = await _conversation_scope(session, ctx, conversation_id)
    return await _picker(request, ctx, scope, q, list_only)


@router.get("/c/{conversation_id}/templates/{template_id}")
async def choose(conversation_id: int, template_id: int, ctx: Agent, request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        scope = await _conversation_scope(session, ctx, conversation_id)
    return await _choose(request, ctx, scope, template_id)


@router.post("/c/{conversation_id}/templates/{template_id}/preview")
async def preview(conversation_id: int, template_id: int, ctx: Agent, request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        scope = await _conversation_scope(session, ctx, conversation_id)
    return await _preview(request, ctx, scope, template_id)


@router.post("/c/{conversation_id}/templates/{template_id}/send")
async def send(conversation_id: int, template_id: int, ctx: Agent, request: Request) -> Response:
    """Send the filled template through the one send path; a refusal is shown in the picker."""
    form = await _form(request)
    try:
        async with ctx.rt.db.session() as session:
            conv = await service.get_conversation(session, ctx.ws, conversation_id)
            row = await _template(session, ctx, conv.channel_id, template_id)
            message = await pages.send_template(session, ctx, conv, row, parameters(row, form))
            thread = await inbox_queries.thread(session, conv, only=message.id)
    except Problem as exc:
        if exc.status == 404:
            raise
        return render(request, "_composer_error.html", ctx=ctx, status=422, problem=exc)
    return render(request, "_messages.html", ctx=ctx, conv=conv, thread=thread)


# ------------------------------------------------------------------ a contact's new conversation
@router.get("/contacts/{contact_id}/templates")
async def new_conversation(contact_id: int, ctx: Agent, request: Request, channel: str = "") -> Response:
    """The picker for starting a conversation with a contact, on the channel they last used."""
    async with ctx.rt.db.reader() as session:
        scope = await _contact_scope(session, ctx, contact_id, text_id(channel))
    return await _picker(request, ctx, scope, "", False)


@router.get("/contacts/{contact_id}/channels/{channel_id}/templates")
async def new_conversation_list(contact_id: int, channel_id: int, ctx: Agent, request: Request, q: str = "",
                                list_only: bool = False) -> Response:
    async with ctx.rt.db.reader() as session:
        scope = await _contact_scope(session, ctx, contact_id, channel_id)
    return await _picker(request, ctx, scope, q, list_only)


@router.get("/contacts/{contact_id}/channels/{channel_id}/templates/{template_id}")
async def new_conversation_choose(contact_id: int, channel_id: int, template_id: int, ctx: Agent,
                                  request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        scope = await _contact_scope(session, ctx, contact_id, channel_id)
    return await _choose(request, ctx, scope, template_id)


@router.post("/contacts/{contact_id}/channels/{channel_id}/templates/{template_id}/preview")
async def new_conversation_preview(contact_id: int, channel_id: int, template_id: int, ctx: Agent,
                                   request: Request) -> Response:
    async with ctx.rt.db.reader() as session:
        scope = await _contact_scope(session, ctx, contact_id, channel_id)
    return await _preview(request, ctx, scope, template_id)


@router.post("/contacts/{contact_id}/channels/{channel_id}/templates/{template_id}/send")
async def new_conversation_send(contact_id: int, channel_id: int, template_id: int, ctx: Agent,
                                request: Request) -> Response:
    """Start (or continue) the contact's conversation on the channel with the filled template,
    then open it."""
    form = await _form(request)
    try:
        async with ctx.rt.db.session() as session:
            scope = await _contact_scope(session, ctx, contact_id, channel_id)
            row = await _template(session, ctx, scope.channel_id, template_id)
            message = await pages.start_with_template(session, ctx, scope.contact, scope.channel_id, row,
                                                      parameters(row, form))
    except Problem as exc:
        if exc.status == 404:
            raise
        return render(request, "_composer_error.html", ctx=ctx, status=422, problem=exc)
    return redirect(request, ctx.url(f"c/{message.conversation_id}"))
