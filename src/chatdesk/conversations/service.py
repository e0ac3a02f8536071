"""Conversation and message state changes: inbound messages, delivery statuses, agent replies.

Services only flush; the caller (route, job) owns the transaction. Live events are queued on
the session and published when it commits.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import Capabilities, InboundMessageEvent, InboundStatusEvent
from ..channels.meta.errors import explain
from ..channels.models import DeliveryStatus
from ..core.db import insert_ignore
from ..core.errors import Problem, not_found
from ..core.events import emit
from ..core.jobs import enqueue
from . import policy
from .models import Conversation, Message

SEND_JOB = "message.send"
MEDIA_JOB = "media.fetch"
READ_JOB = "message.mark_read"


def event_of(message: Message, kind: str) -> dict[str, Any]:
    return {"type": kind, "conversation_id": message.conversation_id, "message_id": message.id,
            "direction": message.direction, "status": message.status}


async def current_conversation(session: AsyncSession, *, workspace_id: int, channel_id: int,
                               contact_id: int, now: datetime) -> Conversation:
    """The contact's conversation on this channel: the latest one, reopened if resolved, or a new one."""
    conv = (await session.execute(select(Conversation).where(
        Conversation.channel_id == channel_id, Conversation.contact_id == contact_id)
        .order_by(Conversation.id.desc()).limit(1))).scalar_one_or_none()
    if conv is None:
        conv = Conversation(workspace_id=workspace_id, channel_id=channel_id, contact_id=contact_id,
                            status="open", priority="none", unread_count=0, last_message_at=now,
                            created_at=now, updated_at=now)
        session.add(conv)
        await session.flush()
    return conv


async def record_inbound(session: AsyncSession, conv: Conversation, event: InboundMessageEvent, *,
                         now: datetime) -> Message:
    """Store a customer's message and bring the conversation up to date (window, unread, reopen)."""
    reply_to = None
    if event.reply_to_provider_id:
        reply_to = (await session.execute(select(Message.id).where(
            Message.channel_id == conv.channel_id,
            Message.provider_message_id == event.reply_to_provider_id))).scalar_one_or_none()
    message = Message(workspace_id=conv.workspace_id, conversation_id=conv.id, channel_id=conv.channel_id,
                      direction="in", author_type="contact", author_id=conv.contact_id, type=event.type,
                      text=event.text, content=event.content, provider_message_id=event.provider_message_id,
                      reply_to_id=reply_to, status=policy.INBOUND_STATUS, sent_at=event.sent_at,
                      created_at=now, updated_at=now)
    if event.reply_to_provider_id:
        message.content = {**event.content, "reply_to_provider_id": event.reply_to_provider_id}
    session.add(message)
    if conv.last_inbound_at is None or event.sent_at > conv.last_inbound_at:
        conv.last_inbound_at = event.sent_at
    conv.last_message_at = max(conv.last_message_at, now)
    conv.unread_count += 1
    if conv.status in ("resolved", "snoozed", "pending"):
        conv.status, conv.snoozed_until = "open", None
    conv.updated_at = now
    await session.flush()
    if event.media is not None:
        enqueue(session, MEDIA_JOB, {"message_id": message.id}, now=now, workspace_id=conv.workspace_id)
    emit(session, conv.workspace_id, event_of(message, "message.created"))
    return message


async def record_status(session: AsyncSession, channel_id: int, event: InboundStatusEvent) -> None:
    """Keep the receipt (once), then move the message's status forward if it is known yet."""
    await session.execute(insert_ignore(session.bind.dialect.name, DeliveryStatus.__table__, {
        "channel_id": channel_id, "provider_message_id": event.provider_message_id, "status": event.status,
        "occurred_at": event.occurred_at, "error_code": event.error_code, "error_title": event.error_title,
        "error_detail": event.error_detail, "pricing": event.pricing,
    }, ["channel_id", "provider_message_id", "status"]))
    message = (await session.execute(select(Message).where(
        Message.channel_id == channel_id,
        Message.provider_message_id == event.provider_message_id))).scalar_one_or_none()
    if message is not None:
        apply_status(session, message, event.status, error_code=event.error_code,
                     error_title=event.error_title, error_detail=event.error_detail,
                     pricing=event.pricing, now=event.occurred_at)


def apply_status(session: AsyncSession, message: Message, status: str, *, now: datetime,
                 error_code: int | None = None, error_title: str | None = None,
                 error_detail: str | None = None, pricing: dict[str, Any] | None = None) -> bool:
    new = policy.next_status(message.status, status)
    if pricing and pricing.get("category"):
        message.cost_category = pricing["category"]
    if new is None:
        return False
    message.status = new
    if new == policy.FAILED:
        message.error_code, message.error_title = error_code, error_title
        message.error_detail = explain(error_code, error_title) if error_code else error_detail
    message.updated_at = max(message.updated_at, now)
    emit(session, message.workspace_id, event_of(message, "message.updated"))
    return True


async def apply_backlog(session: AsyncSession, message: Message) -> None:
    """Apply receipts that arrived before the send response told us the provider's id."""
    rows = (await session.execute(select(DeliveryStatus).where(
        DeliveryStatus.channel_id == message.channel_id,
        DeliveryStatus.provider_message_id == message.provider_message_id)
        .order_by(DeliveryStatus.occurred_at))).scalars()
    for row in rows:
        apply_status(session, message, row.status, now=row.occurred_at, error_code=row.error_code,
                     error_title=row.error_title, error_detail=row.error_detail, pricing=row.pricing)


async def get_conversation(session: AsyncSession, workspace_id: int, conversation_id: int) -> Conversation:
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.workspace_id != workspace_id:
        raise not_found("Conversation")
    return conv


async def queue_outbound(session: AsyncSession, conv: Conversation, caps: Capabilities, *, type: str,
                         text: str | None, content: dict[str, Any], now: datetime,
                         author_type: str = "api", author_id: int | None = None,
                         reply_to: Message | None = None) -> Message:
    """Check policy, then store the message (queued) and its send job in the caller's transaction."""
    refusal = policy.check_outbound(caps, type=type, text=text, last_inbound_at=conv.last_inbound_at, now=now)
    if refusal:
        raise Problem(422, refusal.code, refusal.title, refusal.detail)
    message = Message(workspace_id=conv.workspace_id, conversation_id=conv.id, channel_id=conv.channel_id,
                      direction="out", author_type=author_type, author_id=author_id, type=type, text=text,
                      content=content, status="queued", reply_to_id=reply_to.id if reply_to else None,
                      created_at=now, updated_at=now)
    session.add(message)
    conv.last_message_at = now
    conv.updated_at = now
    await session.flush()
    enqueue(session, SEND_JOB, {"message_id": message.id}, now=now, workspace_id=conv.workspace_id,
            max_attempts=policy.MAX_SEND_ATTEMPTS)
    emit(session, conv.workspace_id, event_of(message, "message.created"))
    return message


async def add_note(session: AsyncSession, conv: Conversation, *, text: str, now: datetime,
                   author_type: str = "api", author_id: int | None = None) -> Message:
    """A private note: part of the timeline, never sent to the customer."""
    if not text.strip():
        raise Problem(422, "empty_message", "The note is empty")
    message = Message(workspace_id=conv.workspace_id, conversation_id=conv.id, channel_id=conv.channel_id,
                      direction="out", author_type=author_type, author_id=author_id, type="note", text=text,
                      content={}, status=policy.NOTE_STATUS, created_at=now, updated_at=now)
    session.add(message)
    await session.flush()
    emit(session, conv.workspace_id, event_of(message, "message.created"))
    return message


async def mark_read(session: AsyncSession, conv: Conversation, *, now: datetime) -> bool:
    """An agent opened the conversation: clear unread and tell the customer (blue ticks)."""
    last_in = (await session.execute(select(Message.id).where(
        Message.conversation_id == conv.id, Message.direction == "in",
        Message.provider_message_id.is_not(None)).order_by(Message.id.desc()).limit(1))).scalar_one_or_none()
    had_unread = conv.unread_count > 0
    conv.unread_count = 0
    if had_unread and last_in is not None:
        enqueue(session, READ_JOB, {"message_id": last_in}, now=now, workspace_id=conv.workspace_id)
    if had_unread:
        emit(session, conv.workspace_id, {"type": "conversation.read", "conversation_id": conv.id})
    return had_unread


async def set_message_result(session: AsyncSession, message_id: int, **values: Any) -> None:
    await session.execute(update(Message).where(Message.id == message_id).values(**values))


async def update_conversation(session: AsyncSession, conv: Conversation, *, now: datetime,
                              status: str | None = None, priority: str | None = None) -> None:
    if status is not None and status != conv.status:
        conv.status = status
        conv.snoozed_until = None
        emit(session, conv.workspace_id, {"type": "conversation.updated", "conversation_id": conv.id,
                                          "status": status})
    if priority is not None:
        conv.priority = priority
    conv.updated_at = now
    await session.flush()
