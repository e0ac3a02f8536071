"""Read models for the REST API and the inbox: conversation lists and message pages."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.content import Media
from ..channels.models import Channel
from ..channels.registry import ChannelRegistry
from ..contacts.models import Contact
from ..core.params import text_id
from . import policy, service
from .models import Conversation, Message
from .paging import Cursor, Sort, after, cursor_of, order_by
from .schemas import (
    TOTAL_CAP,
    ChannelBrief,
    ContactBrief,
    ConversationOut,
    CostOut,
    ErrorOut,
    MessageOut,
)


async def capped_count(session: AsyncSession, query: Select[Any], cap: int = TOTAL_CAP) -> int:
    """How many rows ``query`` yields, counting no further than ``cap`` (an exact COUNT(*) of a
    big workspace's conversations costs more than the page it comes with)."""
    return (await session.execute(select(func.count()).select_from(query.limit(cap).subquery()))).scalar_one()


async def list_conversations(session: AsyncSession, registry: ChannelRegistry, workspace_id: int, *,
                             status: str | None, channel: str | None, contact_id: int | None = None,
                             page: int, per_page: int, sort: Sort = Sort.NEWEST,
                             cursor: Cursor | None = None) -> tuple[list[ConversationOut], int, str | None]:
    """A page in ``sort`` order: after ``cursor`` when given (keyset), else page ``page``; with the
    total, counted up to ``TOTAL_CAP``, and the cursor of the next page (None on the last)."""
    matching: list[ColumnElement[bool]] = [Conversation.workspace_id == workspace_id]
    if status:
        matching.append(Conversation.status == status)
    if channel:
        channel_id = text_id(channel)
        matching.append(Conversation.channel_id == channel_id if channel_id is not None else
                        Conversation.channel_id.in_(select(Channel.id).where(Channel.kind == channel)))
    if contact_id is not None:
        matching.append(Conversation.contact_id == contact_id)
    total = await capped_count(session, select(Conversation.id).where(*matching))
    query = (select(Conversation, Contact, Channel)
             .join(Contact, Contact.id == Conversation.contact_id)
             .join(Channel, Channel.id == Conversation.channel_id)
             .where(*matching, *((after(cursor),) if cursor else ()))
             .order_by(*order_by(sort)).limit(per_page))
    rows = (await session.execute(query if cursor else query.offset((page - 1) * per_page))).all()
    more = cursor_of(sort, rows[-1][0]).encode() if len(rows) == per_page else None
    return [conversation_out(registry, *row) for row in rows], total, more


async def one_conversation(session: AsyncSession, registry: ChannelRegistry, conv: Conversation) -> ConversationOut:
    contact = await session.get_one(Contact, conv.contact_id)   # foreign keys: both exist
    channel = await session.get_one(Channel, conv.channel_id)
    return conversation_out(registry, conv, contact, channel)


def conversation_out(registry: ChannelRegistry, conv: Conversation, contact: Contact,
                     channel: Channel) -> ConversationOut:
    caps = registry.get(channel.kind).capabilities
    return ConversationOut(
        id=conv.id, status=conv.status, channel=ChannelBrief(id=channel.id, kind=channel.kind, name=channel.name),
        contact=ContactBrief(id=contact.id, name=contact.name, phone=contact.phone),
        assignee_id=conv.assignee_id, team_id=conv.team_id, priority=conv.priority,
        snoozed_until=conv.snoozed_until, last_message_at=conv.last_message_at,
        last_inbound_at=conv.last_inbound_at,
        window_closes_at=policy.window_closes_at(caps, conv.last_inbound_at, conv.window_closed_at),
        unread=conv.unread_count, created_at=conv.created_at, awaiting_since=conv.awaiting_since)


# A conversation's timeline is in the order things happened, not the order they reached us:
# Meta does not promise to deliver in order, so a customer's message goes where their send time
# (``sent_at``) puts it; ours and notes go where they were written. Ties keep arrival order.
# The sort runs over one conversation's rows, found by the (conversation_id, id) index.
TIMELINE_ORDER = (case((Message.direction == "in", func.coalesce(Message.sent_at, Message.created_at)),
                       else_=Message.created_at), Message.id)


def timeline_key(m: Message) -> tuple[Any, int]:
    """``TIMELINE_ORDER`` for messages already loaded."""
    return ((m.sent_at or m.created_at) if m.direction == "in" else m.created_at), m.id


async def list_messages(session: AsyncSession, conv: Conversation, *, page: int,
                        per_page: int) -> tuple[list[MessageOut], int]:
    """A conversation's timeline, oldest first; the total is counted up to ``TOTAL_CAP``."""
    total = await capped_count(session, select(Message.id).where(Message.conversation_id == conv.id))
    rows = (await session.execute(select(Message).where(Message.conversation_id == conv.id)
                                  .order_by(*TIMELINE_ORDER).offset((page - 1) * per_page).limit(per_page))).scalars()
    return [message_out(m) for m in rows], total


def message_out(m: Message) -> MessageOut:
    content = m.content
    stored = isinstance(content, Media) and content.stored is not None
    if stored:
        content = content.model_copy(update={"stored": None})  # the media store's key stays inside
    error = ErrorOut(code=m.error_code, title=m.error_title, detail=m.error_detail) \
        if m.status == policy.FAILED else None
    media_url = f"/api/v1/messages/{m.id}/media" if stored else None
    return MessageOut(
        id=m.id, conversation_id=m.conversation_id, direction=m.direction, author_type=m.author_type,
        author_id=m.author_id, type=m.type, text=m.text, content=content, status=m.status, error=error,
        provider_message_id=m.provider_message_id, reply_to_id=m.reply_to_id, media_url=media_url,
        cost_category=m.cost_category, cost=_cost_out(m), sent_at=m.sent_at, created_at=m.created_at)


def _cost_out(m: Message) -> CostOut | None:
    cost = service.cost_of(m)
    return CostOut(category=cost.category, type=cost.type, billable=cost.billable,
                   pricing_model=cost.pricing_model) if cost.known else None


async def last_channel_of(session: AsyncSession, contact_id: int) -> int | None:
    """The channel of the contact's latest conversation (the one they last used), if any."""
    return (await session.execute(select(Conversation.channel_id).where(Conversation.contact_id == contact_id)
                                  .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
                                  .limit(1))).scalar_one_or_none()
