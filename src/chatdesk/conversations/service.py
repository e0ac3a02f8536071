"""Conversation and message state changes: inbound messages, delivery statuses, agent replies.

Services only flush; the caller (route, job) owns the transaction. Live events are queued on
the session and published when it commits.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.models import Membership
from ..channels.base import Capabilities, Explain, InboundMessageEvent, InboundStatusEvent
from ..channels.content import Content, Note, dump_content
from ..channels.models import DeliveryStatus
from ..core.db import get_in_workspace, insert_ignore, table_of
from ..core.errors import Problem
from ..core.events import emit
from ..core.jobs import enqueue
from ..core.states import AuthorType, MessageStatus
from . import costs, policy
from .events import (
    ConversationCreated,
    ConversationRead,
    ConversationStatusChanged,
    ConversationUpdated,
    MessageCreated,
    MessageEvent,
    MessageReceived,
    MessageSent,
    MessageStatusChanged,
)
from .jobs import FETCH_MEDIA, MARK_READ, SEND_MESSAGE, FetchMedia, MarkRead, SendMessage
from .models import Conversation, Message


def event_of(message: Message, kind: type[MessageEvent], **more: Any) -> MessageEvent:
    return kind(workspace_id=message.workspace_id, conversation_id=message.conversation_id, message_id=message.id,
                direction=message.direction, status=message.status, **more)


async def current_conversations(session: AsyncSession, *, workspace_id: int, channel_id: int,
                                contact_ids: list[int], now: datetime) -> dict[int, Conversation]:
    """Each contact's conversation on this channel: the latest one (reopened by the caller when
    resolved), or a new one. One query and at most one flush for a whole batch."""
    found: dict[int, Conversation] = {}
    for conv in (await session.execute(select(Conversation).where(
            Conversation.channel_id == channel_id, Conversation.contact_id.in_(contact_ids))
            .order_by(Conversation.id))).scalars():
        found[conv.contact_id] = conv  # ordered by id: the latest wins
    new = [Conversation(workspace_id=workspace_id, channel_id=channel_id, contact_id=cid, status="open",
                        priority="none", unread_count=0, last_message_at=now, created_at=now, updated_at=now)
           for cid in dict.fromkeys(contact_ids) if cid not in found]
    if new:
        session.add_all(new)
        await session.flush()
        found.update({conv.contact_id: conv for conv in new})
        for conv in new:
            emit(session, ConversationCreated(workspace_id=workspace_id, conversation_id=conv.id, channel_id=channel_id,
                                              contact_id=conv.contact_id, status=conv.status))
    return found


async def current_conversation(session: AsyncSession, *, workspace_id: int, channel_id: int,
                               contact_id: int, now: datetime) -> Conversation:
    found = await current_conversations(session, workspace_id=workspace_id, channel_id=channel_id,
                                        contact_ids=[contact_id], now=now)
    return found[contact_id]


async def message_ids_by_provider(session: AsyncSession, channel_id: int,
                                  provider_ids: list[str]) -> dict[str, int]:
    if not provider_ids:
        return {}
    rows = await session.execute(select(Message.provider_message_id, Message.id).where(
        Message.channel_id == channel_id, Message.provider_message_id.in_(provider_ids)))
    return {provider_id: message_id for provider_id, message_id in rows.all() if provider_id is not None}


async def record_inbound(session: AsyncSession, items: list[tuple[Conversation, InboundMessageEvent, int | None]],
                         *, now: datetime) -> list[int]:
    """Add customers' messages, each ``(conversation, event, id of the message it replies to)``,
    in one INSERT; bring their conversations up to date (window, unread, reopen); queue media
    fetches and tell the agents' browsers. Returns the new messages' ids, in order."""
    rows = []
    for conv, event, reply_to_id in items:
        content = dump_content(event.content)
        if event.reply_to_provider_id:
            content["reply_to_provider_id"] = event.reply_to_provider_id
        rows.append({"workspace_id": conv.workspace_id, "conversation_id": conv.id, "channel_id": conv.channel_id,
                     **_origin(conv, event), "type": event.type,
                     "text": event.text, "content": content, "provider_message_id": event.provider_message_id,
                     "reply_to_id": reply_to_id, "sent_at": event.sent_at or now,
                     "created_at": now, "updated_at": now})
        was = conv.status
        if event.from_business:  # sent from another tool: part of the thread, not the customer writing
            conv.last_message_at, conv.updated_at = max(conv.last_message_at, now), now
        else:
            _customer_wrote(conv, event, now)
        if conv.status != was:
            emit(session, ConversationStatusChanged(workspace_id=conv.workspace_id, conversation_id=conv.id,
                                                    status=conv.status))
    table = table_of(Message)
    ids = list((await session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                      rows)).scalars())
    for (conv, event, _), message_id in zip(items, ids, strict=True):
        if event.content.media_to_fetch() is not None:
            enqueue(session, FETCH_MEDIA, FetchMedia(message_id=message_id), now=now, workspace_id=conv.workspace_id)
        origin = _origin(conv, event)
        emit(session, MessageReceived(workspace_id=conv.workspace_id, conversation_id=conv.id, message_id=message_id,
                                      direction=origin["direction"], status=origin["status"]))
    return ids


def _origin(conv: Conversation, event: InboundMessageEvent) -> dict[str, Any]:
    """Who wrote an inbound event: the customer, or the business from another tool (an echo)."""
    if event.from_business:
        return {"direction": "out", "author_type": AuthorType.EXTERNAL, "author_id": None,
                "status": MessageStatus.SENT}
    return {"direction": "in", "author_type": "contact", "author_id": conv.contact_id,
            "status": policy.INBOUND_STATUS}


def _customer_wrote(conv: Conversation, event: InboundMessageEvent, now: datetime) -> None:
    """The 24-hour window restarts, the message is unread, and a closed conversation reopens."""
    wrote_at = event.sent_at or now
    if conv.last_inbound_at is None or wrote_at > conv.last_inbound_at:
        conv.last_inbound_at = wrote_at
    conv.last_message_at = max(conv.last_message_at, now)
    conv.awaiting_since = conv.awaiting_since or wrote_at
    conv.unread_count += 1
    if conv.status in ("resolved", "snoozed", "pending"):
        conv.status, conv.snoozed_until = "open", None
    conv.updated_at = now


async def record_statuses(session: AsyncSession, channel_id: int, events: list[InboundStatusEvent],
                          explain: Explain, caps: Capabilities | None = None) -> None:
    """Keep each receipt (once), then move the known messages' statuses forward, in order, with
    their cost; a re-engagement failure closes the conversation's window (``caps`` say which).
    Receipts for messages not known yet stay in ``delivery_statuses`` (see ``apply_backlog``)."""
    if not events:
        return
    await session.execute(insert_ignore(session.get_bind().dialect.name, table_of(DeliveryStatus),
                                        ["channel_id", "provider_message_id", "status"]), [{
        "channel_id": channel_id, "provider_message_id": e.provider_message_id, "status": e.status,
        "occurred_at": e.occurred_at, "error_code": e.error_code, "error_title": e.error_title,
        "error_detail": e.error_detail, "pricing": e.pricing} for e in events])
    ids = list({e.provider_message_id for e in events})
    messages = {m.provider_message_id: m for m in (await session.execute(select(Message).where(
        Message.channel_id == channel_id, Message.provider_message_id.in_(ids)))).scalars()
        if m.provider_message_id is not None}
    await _adopt_by_tracking(session, channel_id, [e for e in events if e.provider_message_id not in messages],
                             messages)
    for e in events:
        message = messages.get(e.provider_message_id)
        if message is not None and apply_status(
                session, message, e.status, error_code=e.error_code, error_title=e.error_title,
                error_detail=e.error_detail, pricing=e.pricing, now=e.occurred_at, explain=explain):
            await _closed_window(session, message, caps, e.error_code, e.occurred_at)


async def _adopt_by_tracking(session: AsyncSession, channel_id: int, events: list[InboundStatusEvent],
                             messages: dict[str, Message]) -> None:
    """Receipts for a provider id we never stored, carrying one of our messages' tracking tags:
    the send went through but its answer was lost. The message takes the provider's id, so the
    send job finds it sent and does not send it twice."""
    tagged = {mid: e for e in events if (mid := policy.tracked_message_id(e.tracking)) is not None}
    if not tagged:
        return
    for message in (await session.execute(select(Message).where(
            Message.id.in_(list(tagged)), Message.channel_id == channel_id, Message.direction == "out",
            Message.provider_message_id.is_(None)))).scalars():
        event = tagged[message.id]
        message.provider_message_id = event.provider_message_id
        message.sent_at = message.sent_at or event.occurred_at
        messages[event.provider_message_id] = message


def apply_status(session: AsyncSession, message: Message, status: str, *, now: datetime,
                 error_code: int | None = None, error_title: str | None = None,
                 error_detail: str | None = None, pricing: dict[str, Any] | None = None,
                 explain: Explain | None = None) -> bool:
    _take_cost(message, status, pricing)
    new = policy.next_status(message.status, status)
    if new is None:
        return False
    message.status = new
    if new == policy.FAILED:
        message.error_code, message.error_title = error_code, error_title
        message.error_detail = explain(error_code, error_title) if error_code and explain else error_detail
    message.updated_at = max(message.updated_at, now)
    if new == MessageStatus.PENDING and message.provider_message_id:
        emit(session, event_of(message, MessageSent))
    else:
        emit(session, event_of(message, MessageStatusChanged,
                               error_code=message.error_code if new == policy.FAILED else None))
    return True


def cost_of(message: Message) -> costs.Cost:
    return costs.Cost(category=message.cost_category, type=message.cost_type, billable=message.cost_billable,
                      pricing_model=message.cost_model)


def _take_cost(message: Message, status: str, pricing: dict[str, Any] | None) -> None:
    """The receipt's pricing, merged into what the message's earlier receipts reported."""
    incoming = costs.from_pricing(pricing)
    if not incoming.known:
        return  # a receipt without pricing never erases it
    merged = costs.merge(cost_of(message), incoming, overrides=costs.outranks(status, message.status))
    message.cost_category, message.cost_type = merged.category, merged.type
    message.cost_billable, message.cost_model = merged.billable, merged.pricing_model


async def _closed_window(session: AsyncSession, message: Message, caps: Capabilities | None,
                         error_code: int | None, at: datetime) -> None:
    """A send that failed because the provider found the service window closed (WhatsApp's
    131047): the conversation's window is closed from ``at`` whatever our clock says, until
    the customer writes again; the agents' composers learn it live."""
    if caps is None or message.status != policy.FAILED or not policy.closes_window(caps, error_code):
        return
    conv = await session.get_one(Conversation, message.conversation_id)
    if conv.window_closed_at is not None and conv.window_closed_at >= at:
        return
    conv.window_closed_at = at
    emit(session, ConversationUpdated(workspace_id=conv.workspace_id, conversation_id=conv.id,
                                      window_closed_at=at))


async def apply_backlog(session: AsyncSession, message: Message, explain: Explain,
                        caps: Capabilities | None = None) -> None:
    """Apply receipts that arrived before the send response told us the provider's id."""
    rows = (await session.execute(select(DeliveryStatus).where(
        DeliveryStatus.channel_id == message.channel_id,
        DeliveryStatus.provider_message_id == message.provider_message_id)
        .order_by(DeliveryStatus.occurred_at))).scalars()
    for row in rows:
        if apply_status(session, message, row.status, now=row.occurred_at, error_code=row.error_code,
                        error_title=row.error_title, error_detail=row.error_detail, pricing=row.pricing,
                        explain=explain):
            await _closed_window(session, message, caps, row.error_code, row.occurred_at)


async def provider_failed(session: AsyncSession, message: Message, caps: Capabilities, *, error_code: int | None,
                          at: datetime) -> None:
    """The send itself was refused (``tasks``): a refusal meaning the window is closed closes it."""
    await _closed_window(session, message, caps, error_code, at)


async def get_conversation(session: AsyncSession, workspace_id: int, conversation_id: int) -> Conversation:
    return await get_in_workspace(session, Conversation, workspace_id, conversation_id)


async def queue_outbound(session: AsyncSession, conv: Conversation, *, type: str,
                         text: str | None, content: Content, now: datetime,
                         author_type: str = "api", author_id: int | None = None,
                         reply_to: Message | None = None) -> Message:
    """Store the message (queued) and its send job in the caller's transaction. Only the send
    path (``sending.send``) calls this, after policy allowed the message."""
    message = Message(workspace_id=conv.workspace_id, conversation_id=conv.id, channel_id=conv.channel_id,
                      direction="out", author_type=author_type, author_id=author_id, type=type, text=text,
                      content=content, status="queued", reply_to_id=reply_to.id if reply_to else None,
                      created_at=now, updated_at=now)
    session.add(message)
    conv.last_message_at = now
    conv.awaiting_since = None  # answered
    conv.updated_at = now
    await session.flush()
    enqueue(session, SEND_MESSAGE, SendMessage(message_id=message.id), now=now, workspace_id=conv.workspace_id,
            max_attempts=policy.MAX_SEND_ATTEMPTS)
    emit(session, event_of(message, MessageCreated))
    return message


async def add_note(session: AsyncSession, conv: Conversation, *, text: str, now: datetime,
                   author_type: str = "api", author_id: int | None = None,
                   mentions: Sequence[int] = ()) -> Message:
    """A private note: part of the timeline, never sent to the customer. ``mentions``: the agents
    @mentioned; only the workspace's own are kept (the notifications domain tells them)."""
    if not text.strip():
        raise Problem(422, "empty_message", "The note is empty")
    members = set((await session.execute(select(Membership.user_id).where(
        Membership.workspace_id == conv.workspace_id, Membership.user_id.in_(set(mentions))))).scalars()) \
        if mentions else set()
    message = Message(workspace_id=conv.workspace_id, conversation_id=conv.id, channel_id=conv.channel_id,
                      direction="out", author_type=author_type, author_id=author_id, type="note", text=text,
                      content=Note(mentions=sorted(members)), status=policy.NOTE_STATUS, created_at=now,
                      updated_at=now)
    session.add(message)
    await session.flush()
    emit(session, event_of(message, MessageCreated))
    return message


async def mark_read(session: AsyncSession, conv: Conversation, *, now: datetime) -> bool:
    """An agent opened the conversation: clear unread and tell the customer (blue ticks)."""
    last_in = (await session.execute(select(Message.id).where(
        Message.conversation_id == conv.id, Message.direction == "in",
        Message.provider_message_id.is_not(None)).order_by(Message.id.desc()).limit(1))).scalar_one_or_none()
    had_unread = conv.unread_count > 0
    conv.unread_count = 0
    if had_unread and last_in is not None:
        enqueue(session, MARK_READ, MarkRead(message_id=last_in), now=now, workspace_id=conv.workspace_id)
    if had_unread:
        emit(session, ConversationRead(workspace_id=conv.workspace_id, conversation_id=conv.id))
    return had_unread


async def set_message_result(session: AsyncSession, message_id: int, **values: Any) -> None:
    await session.execute(update(Message).where(Message.id == message_id).values(**values))
