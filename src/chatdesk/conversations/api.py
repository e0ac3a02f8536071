"""REST API v1: conversations and their messages. Thin: parse, call a service, render."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.deps import api_workspace
from ..channels.content import Media, Story
from ..channels.models import Channel
from ..channels.templates.shape import Parameters
from ..contacts import service as contacts
from ..core import idempotency
from ..core.db import get_in_workspace
from ..core.errors import Problem, not_found
from ..core.media import SERVE_HEADERS, MediaStore
from ..core.params import OptionalText, PageNo, PerPage, blank_is, text_id
from ..core.runtime import Runtime, use_runtime
from ..core.states import ConversationStatus
from . import paging, queries, sending, service, template_send, triage
from .models import Conversation, Message
from .schemas import (
    ContactMessageIn,
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    MessageOut,
    Page,
    SendMessageIn,
)
from .sending import Draft, Upload

router = APIRouter(prefix="/api/v1", tags=["conversations"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]
MessagesPerPage = Annotated[int, Query(ge=1, le=100, description="items per page (≤ 100)"), blank_is(50)]
StatusFilter = Annotated[ConversationStatus | None, Query(), blank_is(None)]


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(ws: Workspace, rt: Rt, status: StatusFilter = None,
                             channel: Annotated[OptionalText, Query(
                                 description="a channel kind (whatsapp) or id")] = None,
                             sort: Annotated[OptionalText, Query(
                                 description="newest (default), oldest, or waiting (longest waiting first)")] = None,
                             cursor: Annotated[OptionalText, Query(
                                 description="next_cursor of the previous page: the page after it")] = None,
                             page: PageNo = 1, per_page: PerPage = 25):
    if channel and text_id(channel) is None and channel not in rt.registry.kinds():
        raise Problem(422, "invalid_request", "The request is not valid",
                      f"channel must be a channel id or one of: {', '.join(rt.registry.kinds())}")
    order = paging.parse_sort(sort)
    after = paging.decode(cursor, order) if cursor else None
    async with rt.db.reader() as session:
        items, total, more = await queries.list_conversations(
            session, rt.registry, ws, status=status or None, channel=channel or None, page=page, per_page=per_page,
            sort=order, cursor=after)
    return ConversationPage(items=items, page=page, per_page=per_page, total=total, next_cursor=more)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(conversation_id: int, ws: Workspace, rt: Rt):
    async with rt.db.reader() as session:
        conv = await service.get_conversation(session, ws, conversation_id)
        return await queries.one_conversation(session, rt.registry, conv)


@router.patch("/conversations/{conversation_id}", response_model=ConversationOut)
async def patch_conversation(conversation_id: int, patch: ConversationPatch, ws: Workspace, rt: Rt):
    async with rt.db.session() as session:
        conv = await service.get_conversation(session, ws, conversation_id)
        await triage.change(session, conv, state_change(patch), now=rt.clock.now())
        return await queries.one_conversation(session, rt.registry, conv)


def state_change(patch: ConversationPatch) -> triage.StateChange:
    given = patch.model_fields_set
    return triage.StateChange(
        status=patch.status, snooze_until=patch.snoozed_until, priority=patch.priority, label_ids=patch.label_ids,
        assignee_id=patch.assignee_id if "assignee_id" in given else triage.UNSET,
        team_id=patch.team_id if "team_id" in given else triage.UNSET)


@router.get("/conversations/{conversation_id}/messages", response_model=Page[MessageOut])
async def list_messages(conversation_id: int, ws: Workspace, rt: Rt, page: PageNo = 1,
                        per_page: MessagesPerPage = 50):
    async with rt.db.reader() as session:
        conv = await service.get_conversation(session, ws, conversation_id)
        items, total = await queries.list_messages(session, conv, page=page, per_page=per_page)
    return Page(items=items, page=page, per_page=per_page, total=total)


SEND_DOC = {"requestBody": {"content": {
    "application/json": {"schema": SendMessageIn.model_json_schema()},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "type": {"type": "string"}, "text": {"type": "string"}, "file": {"type": "string", "format": "binary"}}}},
}}, "parameters": [{
    "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 255},
    "description": "the same key and request within 24 h answer as the first did, sending nothing again"}]}


@router.post("/conversations/{conversation_id}/messages", response_model=MessageOut, status_code=202,
             openapi_extra=SEND_DOC)
async def send_message(conversation_id: int, request: Request, ws: Workspace, rt: Rt):
    """Queue a reply (sent by a job) or add a private note (``type: note``). With an
    ``Idempotency-Key`` header, a retry of the same request within 24 h answers as the first did
    and sends nothing again."""
    body, upload = await _read_send(request)
    draft = Draft(type=body.draft_type, text=body.text, content=body.content(), upload=upload,
                  reply_to_id=body.message_id or body.reply_to_id, mentions=tuple(body.mentions))

    async def send(session: AsyncSession) -> dict:
        conv = await service.get_conversation(session, ws, conversation_id)
        checked = await _template_draft(session, conv, body) or draft
        return queries.message_out(await sending.send(session, rt, conv, checked)).model_dump(mode="json")
    key = request.headers.get("idempotency-key")
    same_request = idempotency.fingerprint(
        str(conversation_id), body.model_dump_json(),
        *((upload.sha256(), upload.mime_type, upload.filename) if upload and key else ()))
    return await idempotency.answer_once(rt.db, ws, key, same_request, rt.clock.now(), send, status=202)


async def _template_draft(session: AsyncSession, conv: Conversation, body: SendMessageIn) -> Draft | None:
    """A template send, checked against the channel's templates (None: not a template)."""
    if body.type != "template" or body.template is None:
        return None
    given = body.template.parameters
    req = template_send.TemplateRequest(body.template.name, body.template.language, Parameters(
        header=given.header, body=given.body, buttons=given.buttons))
    return await template_send.draft(session, conv, req)


@router.post("/contacts/{contact_id}/messages", response_model=MessageOut, status_code=202)
async def send_to_contact(contact_id: int, body: ContactMessageIn, ws: Workspace, rt: Rt):
    """Start a conversation with a contact (or continue the current one): on ``channel_id``, or
    the channel they last used. When the service window is closed only a template may go."""
    async with rt.db.session() as session:
        contact = await contacts.get_contact(session, ws, contact_id)
        channel_id = body.channel_id or await queries.last_channel_of(session, contact.id)
        if channel_id is None:
            raise Problem(422, "channel_required", "The contact has no conversation yet: give channel_id")
        await get_in_workspace(session, Channel, ws, channel_id)
        conv = await service.current_conversation(session, workspace_id=ws, channel_id=channel_id,
                                                  contact_id=contact.id, now=rt.clock.now())
        draft = await _template_draft(session, conv, body) or Draft(
            type=body.draft_type, text=body.text, content=body.content(), reply_to_id=None)
        return queries.message_out(await sending.send(session, rt, conv, draft))


async def _read_send(request: Request) -> tuple[SendMessageIn, Upload | None]:
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            file = form.get("file")
            fields = {k: v for k, v in form.items() if k != "file" and isinstance(v, str)}
            upload = None
            if file is not None and not isinstance(file, str):
                # the spooled file itself: read only once its size and type passed (sending.send)
                upload = Upload(file.file, file.content_type or "application/octet-stream", file.filename or "file")
            return SendMessageIn.model_validate(fields), upload
        return SendMessageIn.model_validate_json(await request.body()), None
    except ValidationError as exc:
        found = exc.errors(include_url=False)
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in found]
        raise Problem(422, "invalid_message", "The message is not valid", str(found[0]["msg"]),
                      errors=errors) from None


@router.post("/conversations/{conversation_id}/read", status_code=204)
async def mark_read(conversation_id: int, ws: Workspace, rt: Rt):
    """The agent has read the conversation: unread goes to 0 and the customer sees blue ticks."""
    async with rt.db.session() as session:
        conv = await service.get_conversation(session, ws, conversation_id)
        await service.mark_read(session, conv, now=rt.clock.now())


@router.get("/messages/{message_id}/media", response_class=FileResponse)
async def message_media(message_id: int, ws: Workspace, rt: Rt):
    """The media file of a message, to members of its workspace only."""
    async with rt.db.reader() as session:
        message = await get_in_workspace(session, Message, ws, message_id)
    content = message.content
    store = MediaStore(rt.settings.media_dir)
    if not isinstance(content, Media | Story) or (path := store.path(ws, content.stored or "")) is None:
        raise not_found("Media")
    return FileResponse(path, media_type=content.mime_type or "application/octet-stream",
                        filename=getattr(content, "filename", None), headers=SERVE_HEADERS)
