"""REST API v1: conversations and their messages. Thin: parse, call a service, render."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import ValidationError

from ..accounts.deps import api_workspace
from ..channels.content import Media, with_values
from ..core.errors import Problem, not_found
from ..core.media import MediaStore
from ..core.params import OptionalText, PageNo, PerPage, blank_is, page_size
from ..core.runtime import Runtime, use_runtime
from . import queries, service
from .models import Message
from .schemas import MEDIA, ConversationOut, ConversationPatch, MessageOut, Page, SendMessageIn

router = APIRouter(prefix="/api/v1", tags=["conversations"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]
MessagesPerPage = page_size(50)
StatusFilter = Annotated[Literal["open", "pending", "snoozed", "resolved"] | None, Query(), blank_is(None)]


@router.get("/conversations", response_model=Page[ConversationOut])
async def list_conversations(ws: Workspace, rt: Rt, status: StatusFilter = None,
                             channel: Annotated[OptionalText, Query(description="a channel kind (whatsapp) or id")] = None,
                             page: PageNo = 1, per_page: PerPage = 25):
    if channel and not channel.isdigit() and channel not in rt.registry.kinds():
        raise Problem(422, "invalid_request", "The request is not valid",
                      f"channel must be a channel id or one of: {', '.join(rt.registry.kinds())}")
    async with rt.db.reader() as session:
        items, total = await queries.list_conversations(session, rt.registry, ws, status=status or None,
                                                        channel=channel or None, page=page, per_page=per_page)
    return Page(items=items, page=page, per_page=per_page, total=total)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
async def get_conversation(conversation_id: int, ws: Workspace, rt: Rt):
    async with rt.db.reader() as session:
        conv = await service.get_conversation(session, ws, conversation_id)
        return await queries.one_conversation(session, rt.registry, conv)


@router.patch("/conversations/{conversation_id}", response_model=ConversationOut)
async def patch_conversation(conversation_id: int, patch: ConversationPatch, ws: Workspace, rt: Rt):
    async with rt.db.session() as session:
        conv = await service.get_conversation(session, ws, conversation_id)
        await service.update_conversation(session, conv, status=patch.status, priority=patch.priority,
                                          now=rt.clock.now())
        return await queries.one_conversation(session, rt.registry, conv)


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
}}}


@router.post("/conversations/{conversation_id}/messages", response_model=MessageOut, status_code=202,
             openapi_extra=SEND_DOC)
async def send_message(conversation_id: int, request: Request, ws: Workspace, rt: Rt):
    """Queue a reply (sent by a job) or add a private note (``type: note``)."""
    body, upload = await _read_send(request)
    async with rt.db.session() as session:
        conv = await service.get_conversation(session, ws, conversation_id)
        now = rt.clock.now()
        if body.type == "note":
            message = await service.add_note(session, conv, text=body.text or "", now=now)
            return queries.message_out(message)
        caps = rt.registry.get((await rt.channels.by_id(session, conv.channel_id)).kind).capabilities
        content = body.content()
        if upload is not None:
            content = with_values(content, **_store_upload(rt, ws, body.type, upload,
                                                           caps.media_max_bytes.get(body.type, 0)))
        elif body.type in MEDIA and not body.link:
            raise Problem(422, "media_missing", "Media needs a link or an uploaded file")
        target = await _message_in(session, conv.id, body.message_id or body.reply_to_id)
        message = await service.queue_outbound(session, conv, caps, type=body.type, text=body.text,
                                               content=content, now=now, reply_to=target)
        return queries.message_out(message)


async def _read_send(request: Request) -> tuple[SendMessageIn, tuple[bytes, str, str] | None]:
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            file = form.get("file")
            fields = {k: v for k, v in form.items() if k != "file" and isinstance(v, str)}
            upload = None
            if file is not None and not isinstance(file, str):
                upload = (await file.read(), file.content_type or "application/octet-stream",
                          file.filename or "file")
            return SendMessageIn.model_validate(fields), upload
        return SendMessageIn.model_validate_json(await request.body()), None
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors(include_url=False)]
        raise Problem(422, "invalid_message", "The message is not valid", errors[0]["msg"], errors=errors) from None


def _store_upload(rt: Runtime, ws: int, type: str, upload: tuple[bytes, str, str], cap: int) -> dict:
    data, mime, filename = upload
    if not data:
        raise Problem(422, "media_empty", "The uploaded file is empty")
    if cap and len(data) > cap:
        raise Problem(413, "media_too_large", "The file is too large for this channel",
                      f"{type} files may be at most {cap // 2**20} MB here.")
    key = MediaStore(rt.settings.media_dir).save(ws, data, mime)
    return {"stored": key, "mime_type": mime, "filename": filename, "size": len(data)}


async def _message_in(session, conversation_id: int, message_id: int | None) -> Message | None:
    if message_id is None:
        return None
    message = await session.get(Message, message_id)
    if message is None or message.conversation_id != conversation_id:
        raise Problem(422, "unknown_message", "The referenced message is not part of this conversation")
    return message


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
        message = await session.get(Message, message_id)
    if message is None or message.workspace_id != ws:
        raise not_found("Message")
    content = message.content
    store = MediaStore(rt.settings.media_dir)
    if not isinstance(content, Media) or (path := store.path(ws, content.stored or "")) is None:
        raise not_found("Media")
    return FileResponse(path, media_type=content.mime_type or "application/octet-stream", filename=content.filename)
