"""The customer timeline: every conversation on every channel and every event about a contact
(``contact_events``: merged, unmerged, attribute_changed, consent_changed, label_added ...), newest
first, paged by a keyset cursor.

Events are appended with ``record_contact_event`` (other domains call it; rows are never changed).
Conversations and their messages are read by table name: that domain sits above contacts.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, column, func, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.models import Channel
from ..core.db import UTCDateTime
from ..core.errors import Problem
from ..core.events import emit
from .events import ContactUpdated
from .models import Contact, ContactEvent

PREVIEW_MAX = 120
LIMIT_MAX = 100
# Ties on the same instant, newest first: a conversation (rank 1) above an event (rank 0), as the
# event that comes with a new conversation (an identity joined) happened just before it; then by id.
EVENT, CONVERSATION = 0, 1


async def record_contact_event(session: AsyncSession, contact_id: int, kind: str, data: dict[str, Any],
                               actor: str | None, *, at: datetime | None = None) -> ContactEvent:
    """Append an event to a contact's timeline (in the caller's transaction) and tell the live
    stream the contact changed. ``actor``: "user:<id>", "api", "contact"; None: chatdesk itself."""
    contact = await session.get_one(Contact, contact_id)
    when = at or datetime.now(UTC)
    row = ContactEvent(workspace_id=contact.workspace_id, contact_id=contact_id, kind=kind, data=data,
                       actor=actor, at=when)
    session.add(row)
    await session.flush()
    emit(session, ContactUpdated(workspace_id=contact.workspace_id, contact_id=contact_id, fields=("timeline",)))
    return row


@dataclass(frozen=True)
class Item:
    """One timeline entry: an event (``kind`` its kind) or a conversation (``kind``
    "conversation"; ``data``: channel, status, started and last message time, preview)."""

    type: str  # "event" | "conversation"
    id: int
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None

    def key(self) -> tuple[datetime, int, int]:
        return (self.at, EVENT if self.type == "event" else CONVERSATION, self.id)


def encode_cursor(item: Item) -> str:
    at, rank, ident = item.key()
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{rank}|{ident}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int, int]:
    try:
        at, rank, ident = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None or int(rank) not in (EVENT, CONVERSATION):
            raise ValueError(cursor)
        return when, int(rank), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Problem(422, "invalid_cursor", "Invalid cursor",
                      "The cursor is not one this timeline gave out.") from None


def _before(at_col: Any, id_col: Any, rank: int, cursor: tuple[datetime, int, int] | None) -> Any:
    """Rows of a source of ``rank`` that come after the cursor in newest-first order."""
    if cursor is None:
        return and_(True)
    c_at, c_rank, c_id = cursor
    if rank < c_rank:
        return at_col <= c_at
    if rank > c_rank:
        return at_col < c_at
    return or_(at_col < c_at, and_(at_col == c_at, id_col < c_id))


_conversations = table("conversations", column("id"), column("contact_id"), column("channel_id"),
                       column("status"), column("created_at", UTCDateTime()), column("updated_at", UTCDateTime()),
                       column("last_message_at", UTCDateTime()))
_messages = table("messages", column("id"), column("conversation_id"), column("type"), column("text"),
                  column("direction"))


async def page(session: AsyncSession, contact_id: int, *, cursor: str | None,
               limit: int) -> tuple[list[Item], str | None]:
    """A page of the timeline, newest first, and the cursor of the next (None: the end)."""
    after = decode_cursor(cursor) if cursor else None
    limit = max(1, min(limit, LIMIT_MAX))
    # a merged contact's history is the kept one's too (its "merged into" entry aside)
    merged = select(Contact.id).where(Contact.merged_into_id == contact_id).scalar_subquery()
    events = (await session.scalars(
        select(ContactEvent).where(or_(ContactEvent.contact_id == contact_id,
                                       and_(ContactEvent.contact_id.in_(merged), ContactEvent.kind != "merged_into")),
                                   _before(ContactEvent.at, ContactEvent.id, EVENT, after))
        .order_by(ContactEvent.at.desc(), ContactEvent.id.desc()).limit(limit + 1))).all()
    c = _conversations.c
    convs = (await session.execute(
        select(c.id, c.channel_id, c.status, c.created_at, c.updated_at, c.last_message_at)
        .where(c.contact_id == contact_id, _before(c.created_at, c.id, CONVERSATION, after))
        .order_by(c.created_at.desc(), c.id.desc()).limit(limit + 1))).all()
    items = [Item("event", e.id, e.at, e.kind, dict(e.data or {}), e.actor) for e in events]
    items += [Item("conversation", r.id, r.created_at, "conversation", {
        "channel_id": r.channel_id, "status": r.status, "started_at": r.created_at.isoformat(),
        "last_message_at": r.last_message_at.isoformat(),
        "resolved_at": r.updated_at.isoformat() if r.status == "resolved" else None}) for r in convs]
    items.sort(key=Item.key, reverse=True)
    shown = items[:limit]
    await _describe(session, [i for i in shown if i.type == "conversation"])
    return shown, encode_cursor(shown[-1]) if len(items) > limit else None


async def _describe(session: AsyncSession, convs: list[Item]) -> None:
    """Each conversation's channel (kind and name) and its last message's preview."""
    if not convs:
        return
    m = _messages.c
    last = select(func.max(m.id)).where(m.conversation_id.in_([i.id for i in convs]), m.type != "note") \
        .group_by(m.conversation_id)
    previews = {r.conversation_id: r for r in (await session.execute(
        select(m.conversation_id, m.type, m.text, m.direction).where(m.id.in_(last)))).all()}
    channels = {ch.id: ch for ch in (await session.scalars(
        select(Channel).where(Channel.id.in_({i.data["channel_id"] for i in convs})))).all()}
    for i in convs:
        ch, msg = channels.get(i.data["channel_id"]), previews.get(i.id)
        i.data.update(channel_kind=ch.kind if ch else None, channel_name=(ch.name or ch.display) if ch else None,
                      preview=(msg.text or f"[{msg.type}]")[:PREVIEW_MAX] if msg else None,
                      preview_direction=msg.direction if msg else None)
