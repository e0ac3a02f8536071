"""Making notifications from the domain events: the consumer behind the bell.

Who is told what (kept simple on purpose):
- ``new_conversation``: a conversation was created unassigned; the members of its team, or,
  without a team, every member of the workspace (the "Unassigned" view everyone sees).
- ``assigned``: a conversation's agent changed to someone other than the one who changed it
  (an agent assigning it to themselves is not told; the API's and routing's assignments are).
- ``mention``: a note @mentioned an agent (``Note.mentions``), other than its author.
Each agent's preferences (``accounts/profile.Prefs.kinds``) filter what they get.

One cursor over ``domain_events`` for all workspaces (event ids are in commit order across the
table, ``core/events.py``), moved on with a compare-and-set in the transaction that writes the
notifications: of two runs that read the same events, one moves the cursor and writes, the
other finds it moved and writes nothing. A first run starts at the newest event: history is
not turned into notifications.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.models import Membership, User
from ..accounts.profile import prefs_of
from ..conversations.events import ConversationAssigned
from ..conversations.models import Conversation, Message
from ..core.events import StoredEvent, emit
from ..core.states import EventType, MessageStatus
from ..teams.models import TeamMember
from .events import NotificationCreated
from .models import Notification, NotificationCursor

CONSUMER = "notifications"
BATCH = 500
WATCHED = (EventType.CONVERSATION_CREATED, EventType.CONVERSATION_ASSIGNED, EventType.MESSAGE_CREATED)


@dataclass(frozen=True)
class Tell:
    """One notification to make, before preferences and membership are checked."""

    user_ids: tuple[int, ...]
    kind: str
    conversation_id: int
    actor_id: int | None = None
    message_id: int | None = None


async def run(session: AsyncSession, now: datetime) -> int:
    """Read the events after the cursor, write their notifications; how many were written."""
    last = (await session.execute(select(NotificationCursor.last_event_id).where(
        NotificationCursor.name == CONSUMER))).scalar_one_or_none()
    if last is None:
        newest = (await session.execute(select(func.max(StoredEvent.id)))).scalar_one() or 0
        session.add(NotificationCursor(name=CONSUMER, last_event_id=newest))
        return 0
    events = (await session.execute(select(StoredEvent).where(
        StoredEvent.id > last, StoredEvent.type.in_([t.value for t in WATCHED]))
        .order_by(StoredEvent.id).limit(BATCH))).scalars().all()
    if not events:
        return 0
    moved = await session.execute(update(NotificationCursor).where(
        NotificationCursor.name == CONSUMER, NotificationCursor.last_event_id == last)
        .values(last_event_id=events[-1].id))
    if getattr(moved, "rowcount", 0) != 1:
        return 0  # another run took these events
    made = 0
    for ev in events:
        tell = await _tell_of(session, ev)
        if tell is not None:
            made += await _write(session, ev, tell, now)
    return made


async def _tell_of(session: AsyncSession, ev: StoredEvent) -> Tell | None:
    payload: dict[str, Any] = ev.payload
    if ev.type == EventType.CONVERSATION_ASSIGNED:
        assigned = ConversationAssigned.model_validate({**payload, "workspace_id": ev.workspace_id})
        if assigned.assignee_id is None or not assigned.assignee_changed or assigned.assignee_id == assigned.actor_id:
            return None
        return Tell((assigned.assignee_id,), "assigned", assigned.conversation_id, assigned.actor_id)
    if ev.type == EventType.CONVERSATION_CREATED:
        return await _new_conversation(session, ev.workspace_id, int(payload["conversation_id"]))
    if ev.type == EventType.MESSAGE_CREATED and payload.get("status") == MessageStatus.NOTE:
        note = await session.get(Message, int(payload["message_id"]))
        mentions = getattr(note.content, "mentions", None) if note is not None else None
        if note is None or not mentions:
            return None
        return Tell(tuple(u for u in mentions if u != note.author_id), "mention", note.conversation_id,
                    note.author_id if note.author_type == "agent" else None, note.id)
    return None


async def _new_conversation(session: AsyncSession, workspace_id: int, conversation_id: int) -> Tell | None:
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.assignee_id is not None:  # an assigned one is told by its assignment
        return None
    if conv.team_id is not None:
        query = select(TeamMember.user_id).where(TeamMember.team_id == conv.team_id)
    else:
        query = select(Membership.user_id).where(Membership.workspace_id == workspace_id)
    return Tell(tuple((await session.execute(query)).scalars()), "new_conversation", conv.id)


async def _write(session: AsyncSession, ev: StoredEvent, tell: Tell, now: datetime) -> int:
    """The notifications of ``tell`` for the agents who are members and want this kind."""
    users = await _wanting(session, ev.workspace_id, tell.user_ids, tell.kind)
    rows = [Notification(workspace_id=ev.workspace_id, user_id=u, kind=tell.kind, conversation_id=tell.conversation_id,
                         actor_id=tell.actor_id, message_id=tell.message_id, event_id=ev.id, at=now) for u in users]
    session.add_all(rows)
    await session.flush()
    for row in rows:
        emit(session, NotificationCreated(workspace_id=row.workspace_id, notification_id=row.id, user_id=row.user_id,
                                          kind=row.kind, conversation_id=row.conversation_id))
    return len(rows)


async def _wanting(session: AsyncSession, workspace_id: int, user_ids: Iterable[int], kind: str) -> list[int]:
    ids = set(user_ids)
    if not ids:
        return []
    users = (await session.execute(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.workspace_id == workspace_id, User.id.in_(ids)).order_by(User.id))).scalars()
    return [u.id for u in users if kind in prefs_of(u).kinds]
