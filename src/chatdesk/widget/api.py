"""The visitor API under ``/widget/{public key}/``: start or resume a session, send a message or
a file, read the history, and a live stream of replies and the agent's typing.

A visitor's message is stored as a body for the inbound job (``channels/webchat`` parses it),
so it becomes a conversation exactly like a provider's webhook; replies go through the one send
path and reach the visitor through the stream, whose receipts mark them delivered and read.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from ..accounts.models import Workspace
from ..channels.webchat.payloads import NAME_MAX, TEXT_MAX, Delivery, VisitorMessage, WidgetReceipt
from ..contacts.identities import IdentityChannel, Sender, resolve_identities
from ..conversations.models import Message
from ..core.errors import Problem
from ..core.events import CATCH_UP
from ..core.media import MediaStore
from ..core.runtime import Runtime, use_runtime
from ..core.states import EventType
from . import access, details, hours, queries, tokens
from .access import KIND, Site, WidgetRoute, site
from .limits import VisitorLimits

router = APIRouter(prefix="/widget", tags=["widget"], route_class=WidgetRoute)
SiteDep = Annotated[Site, Depends(site)]
RuntimeDep = Annotated[Runtime, Depends(use_runtime)]
POLL = 5.0  # the stream re-reads at least this often (events from processes we hear nothing of)
UPLOAD_MAX = 10 * 2**20
UPLOAD_TYPES: dict[str, Literal["image", "document"]] = {
    "image/png": "image", "image/jpeg": "image", "image/gif": "image", "image/webp": "image",
    "application/pdf": "document", "text/plain": "document"}
LIMITS = VisitorLimits()


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


class SessionIn(BaseModel):
    token: str | None = Field(None, max_length=tokens.TOKEN_MAX)
    user_id: str | None = Field(None, max_length=tokens.USER_ID_MAX)
    user_hash: str | None = Field(None, max_length=128)
    name: str | None = Field(None, max_length=NAME_MAX)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)


@router.post("/{key}/session")
async def start(body: SessionIn, request: Request, s: SiteDep, rt: RuntimeDep) -> dict[str, Any]:
    """A verified user (right ``user_hash``), else the visitor the token names, else a new
    anonymous visitor. Names a visitor gives without a right hash never decide who they are."""
    LIMITS.check(_address(request))
    visitor = tokens.verified(s.secret, body.user_id, body.user_hash) or tokens.read(s.secret, body.token) \
        or tokens.anonymous()
    if body.user_id and body.user_hash and visitor.id == body.user_id and visitor.verified:
        await _join_contact(rt, s, visitor, body)
    return {"token": tokens.issue(s.secret, visitor), "verified": visitor.verified, "open": await _open(rt, s)}


async def _open(rt: Runtime, s: Site) -> bool:
    """Within the workspace's business hours (outside them the widget shows its offline form)."""
    async with rt.db.reader() as session:
        row = await session.get(hours.BusinessHours, s.channel.workspace_id)
        tz = (await session.execute(select(Workspace.timezone).where(
            Workspace.id == s.channel.workspace_id))).scalar_one_or_none()
    return hours.is_open(row.hours if row else None, tz or "UTC", rt.clock.now())


async def _join_contact(rt: Runtime, s: Site, visitor: tokens.Visitor, body: SessionIn) -> None:
    """A verified user's identity (the site's user_id) and their contact, with the phone and
    email the site vouched for, so the same user on any device is the same contact."""
    phone, email = details.phone(body.phone), details.email(body.email)
    channel = IdentityChannel(s.channel.id, s.channel.workspace_id, KIND,
                              rt.registry.get(KIND).capabilities.identity_scope)
    async with rt.db.session() as session:
        found = await resolve_identities(session, channel=channel, now=rt.clock.now(), senders=[
            # the site vouches for them (a right user_hash): a contact with them on a verified
            # identity (a WhatsApp number) is this customer (contacts/join.py)
            Sender(visitor.id, body.name, phone, visitor.id_type, email=email, verified=True)])
        await queries.set_verified_details(session, found[visitor.id].id, phone, email)


@router.get("/{key}/messages")
async def history(request: Request, s: SiteDep, rt: RuntimeDep, after: int = 0) -> dict[str, Any]:
    v = access.visitor(request, s)
    async with rt.db.reader() as session:
        items, _ = await queries.messages_after(session, s.channel.id, v.id, max(0, min(after, 2**62)))
    return {"items": items}


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    name: str | None = Field(None, max_length=NAME_MAX)
    email: str | None = Field(None, max_length=320)


@router.post("/{key}/messages", status_code=202)
async def send(body: MessageIn, request: Request, s: SiteDep, rt: RuntimeDep) -> dict[str, Any]:
    v = access.visitor(request, s)
    LIMITS.check(_address(request), f"{s.channel.id}:{v.id}")
    text = body.text.strip()
    if not text:
        raise Problem(422, "empty_message", "Write a message first")
    return await _store(request, s, rt, v, text=text, name=body.name, email=details.email(body.email))


@router.post("/{key}/attachments", status_code=202)
async def upload(request: Request, s: SiteDep, rt: RuntimeDep, file: Annotated[UploadFile, File()],
                 caption: Annotated[str, Form(max_length=1024)] = "") -> dict[str, Any]:
    v = access.visitor(request, s)
    LIMITS.check(_address(request), f"{s.channel.id}:{v.id}")
    mime = (file.content_type or "").split(";")[0].strip().lower()
    media_type = UPLOAD_TYPES.get(mime)
    if media_type is None:
        raise Problem(415, "attachment_type", "This kind of file cannot be sent",
                      "Send an image (PNG, JPEG, GIF, WebP), a PDF or a text file")
    data = await file.read(UPLOAD_MAX + 1)
    if len(data) > UPLOAD_MAX:
        raise Problem(413, "attachment_too_large", "The file is too large", f"At most {UPLOAD_MAX // 2**20} MB")
    if not data:
        raise Problem(422, "attachment_empty", "The file is empty")
    key = await asyncio.to_thread(MediaStore(rt.settings.media_dir).save, s.channel.workspace_id, data, mime)
    name = (file.filename or "file")[-200:]
    return await _store(request, s, rt, v, text=caption.strip() or None, media=(key, media_type, mime, name))


async def _store(request: Request, s: Site, rt: Runtime, v: tokens.Visitor, *, text: str | None,
                 name: str | None = None, email: str | None = None,
                 media: tuple[str, Literal["image", "document"], str, str] | None = None) -> dict[str, Any]:
    ref = "wcm_" + secrets.token_urlsafe(12)
    item = VisitorMessage(id=ref, visitor=v.id, id_type=v.id_type, name=name or None, email=email, text=text,
                          sent_at=rt.clock.now())
    if media:
        item = item.model_copy(update={"media_url": media[0], "media_type": media[1], "mime_type": media[2],
                                       "filename": media[3]})
    raw = Delivery(channel=s.channel.external_id, items=[item]).model_dump_json().encode()
    await request.app.state.inbound_writer.store(KIND, s.channel.id, raw)
    return {"ref": ref}


class ReceiptIn(BaseModel):
    refs: list[Annotated[str, Field(max_length=128)]] = Field(min_length=1, max_length=50)
    status: Literal["delivered", "read"]


@router.post("/{key}/receipts", status_code=202)
async def receipts(body: ReceiptIn, request: Request, s: SiteDep, rt: RuntimeDep) -> dict[str, Any]:
    """The widget showed (delivered) or the visitor saw (read) these replies: only the
    visitor's own replies count."""
    v = access.visitor(request, s)
    async with rt.db.reader() as session:
        contact_id = await queries.contact_of(session, s.channel.id, v.id)
        convs = await queries.conversation_ids(session, s.channel.id, contact_id) if contact_id else []
        refs = list((await session.execute(select(Message.provider_message_id).where(
            Message.conversation_id.in_(convs), Message.direction == "out",
            Message.provider_message_id.in_(body.refs)))).scalars()) if convs else []
    if refs:
        now = rt.clock.now()
        items: list[VisitorMessage | WidgetReceipt] = [
            WidgetReceipt(message_id=r, status=body.status, visitor=v.id, at=now) for r in refs if r]
        raw = Delivery(channel=s.channel.external_id, items=items).model_dump_json().encode()
        await request.app.state.inbound_writer.store(KIND, s.channel.id, raw)
    return {"accepted": len(refs)}


@router.post("/{key}/typing", status_code=204)
async def typing(request: Request, s: SiteDep, rt: RuntimeDep) -> Response:
    """The visitor is writing: told live to the agents (never stored)."""
    v = access.visitor(request, s)
    async with rt.db.reader() as session:
        contact_id = await queries.contact_of(session, s.channel.id, v.id)
        convs = await queries.conversation_ids(session, s.channel.id, contact_id) if contact_id else []
    for conv in convs[-1:]:
        await rt.bus.publish(s.channel.workspace_id, {"type": EventType.VISITOR_TYPING.value,
                                                      "conversation_id": conv})
    return Response(status_code=204)


@router.get("/{key}/stream")
async def stream(request: Request, s: SiteDep, rt: RuntimeDep, token: str | None = None,
                 after: int = 0) -> StreamingResponse:
    """Server-sent events: ``message`` (the visitor's messages and replies, by id; a reconnect
    resumes from Last-Event-ID) and ``typing`` (an agent is writing)."""
    v = access.visitor(request, s, token)
    last = request.headers.get("last-event-id")
    cursor = int(last) if last and last.isdigit() and len(last) < 19 else max(0, min(after, 2**62))
    return StreamingResponse(_events(rt, s, v, cursor, request), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _events(rt: Runtime, s: Site, v: tokens.Visitor, cursor: int, request: Request) -> AsyncIterator[str]:
    async with rt.bus.subscription(s.channel.workspace_id) as live:
        yield "retry: 2000\n\n"
        read, convs, read_at = True, list[int](), 0.0
        while not await request.is_disconnected() and not rt.draining.is_set():
            if read:
                read_at = time.monotonic()
                async with rt.db.reader() as session:
                    items, convs = await queries.messages_after(session, s.channel.id, v.id, cursor)
                for m in items:
                    cursor = m["id"]
                    yield f"id: {m['id']}\nevent: message\ndata: {json.dumps(m)}\n\n"
            # the poll is due POLL after the last read, however busy the workspace's events keep us
            ev = await _next(live.get(), max(0.0, read_at + POLL - time.monotonic()))
            read = ev is None or time.monotonic() >= read_at + POLL
            if ev is None:
                yield ": keepalive\n\n"
            elif ev.get("type") == EventType.TYPING.value:
                if ev.get("conversation_id") in convs and ev.get("mode") == "reply":
                    yield "event: typing\ndata: {}\n\n"
            elif str(ev.get("type", "")).startswith("message.") or ev.get("type") == CATCH_UP:
                read = True


async def _next(get: Any, timeout: float) -> dict[str, Any] | None:
    """The next event, or None after ``timeout``. An event that arrives just as the time runs
    out is returned, not dropped with the cancelled wait."""
    task = asyncio.ensure_future(get)
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if done:
        return task.result()
    task.cancel()
    await asyncio.wait({task})  # it may have finished before the cancel landed
    return None if task.cancelled() else task.result()


@router.options("/{key}/{rest:path}")
async def options(key: str, request: Request, rt: RuntimeDep) -> Response:
    ref = await access.channel_for(rt, key)
    origin = request.headers.get("origin")
    if not access.origin_allowed(ref, origin):
        return JSONResponse(Problem(403, "origin_not_allowed", "This site may not use the chat widget").body(),
                            status_code=403, media_type="application/problem+json")
    return access.preflight(str(origin))

