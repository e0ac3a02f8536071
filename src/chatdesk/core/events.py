"""Domain events: typed, durable, read by cursor; and their live fan-out to subscribers.

A domain event (a ``DomainEvent`` subclass, declared in its domain's ``events.py``) says what
happened, with ids and states, never message bodies. ``emit(session, event)`` adds it to the
caller's transaction: just before that transaction commits, all the events it emitted are
inserted into ``domain_events`` in one executemany statement (one per transaction however many
events: the ingest hot path emits one per inbound message), so an event exists if and only if
the work that caused it committed.

Ids are in commit order, so a consumer that reads ``id > last`` never skips an event that
commits late. SQLite has one writer at a time, so insertion order is commit order. On
PostgreSQL two transactions could take ids 10 and 11 and commit 11 first; a reader between the
two commits would move its cursor past 10 for good. So the writer first takes a
transaction-level advisory lock (``pg_advisory_xact_lock``), held until commit: writers of
events serialise only on this last step (insert, NOTIFY, commit), and a transaction gets its ids
only after every earlier event writer has committed (and is visible: PostgreSQL releases a
transaction's locks after it becomes visible). Ids never go back: AUTOINCREMENT on SQLite (no
rowid reuse once old events are pruned), a sequence on PostgreSQL.

After commit, live subscribers get the events WITH their ids: in-process (``LocalBus``) on
SQLite; on PostgreSQL the writer NOTIFYs inside the transaction (``pg_events``), so every web
process sees them. Live delivery is best effort; the table is the truth: a subscriber whose
queue overflows gets a ``CATCH_UP`` marker instead of the lost events and re-reads the table
from its cursor (``conversations/live.py``). Ephemeral events (someone is typing) are
``publish``ed live only and never stored.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, ClassVar, Protocol, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Index, String, Table, event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, Database, Id, Json, UTCDateTime, now_utc
from .states import EventType

PENDING_KEY = "chatdesk.events.pending"  # DomainEvents emitted in the session's transaction
HOOKED_KEY = "chatdesk.events.hooked"
STORED_KEY = "chatdesk.events.stored"  # (workspace id, live dict) of the stored events, for after commit
CATCH_UP = "stream.catch_up"  # to subscribers: live events were lost here, re-read the table
EVENTS_LOCK = 0x63686174_65767473  # pg_advisory_xact_lock key of the event writers ("chatevts")


class DomainEvent(BaseModel):
    """Something that happened in a workspace. Subclasses set ``type`` (a name from
    ``core.states.EventType``) and add fields: ids and states only."""

    model_config = ConfigDict(frozen=True)

    type: ClassVar[EventType]
    workspace_id: int

    def payload(self) -> dict[str, Any]:
        """What is stored and sent: every field but the workspace (events never leave it)."""
        return self.model_dump(mode="json", exclude={"workspace_id"})


class StoredEvent(Base):
    """One durable domain event. Read per workspace by cursor: ``id > last`` in id order."""

    __tablename__ = "domain_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(Id)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_domain_events_workspace_id_id", "workspace_id", "id"),
                      {"sqlite_autoincrement": True})


def emit(session: AsyncSession, ev: DomainEvent) -> None:
    """Add an event to the caller's transaction: stored (and published) only if it commits."""
    info = session.sync_session.info
    info.setdefault(PENDING_KEY, []).append(ev)
    if not info.get(HOOKED_KEY):
        info[HOOKED_KEY] = True
        event.listen(session.sync_session, "before_commit", _store_pending)


def _store_pending(session: Session) -> None:
    """Before commit: insert the transaction's events in one statement, then (PostgreSQL) NOTIFY
    them; after commit, ``LocalBus`` delivers what this left in ``STORED_KEY``."""
    session.info.pop(STORED_KEY, None)  # what an earlier commit of this session stored went out then
    pending: list[DomainEvent] = session.info.pop(PENDING_KEY, None) or []
    if not pending:
        return
    now = now_utc()
    rows: list[dict[str, Any]] = [{"workspace_id": ev.workspace_id, "type": ev.type.value,
                                   "payload": ev.payload(), "occurred_at": now} for ev in pending]
    table = cast(Table, StoredEvent.__table__)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Write the transaction's other changes first: they may wait on row locks, which must
        # not happen while holding the events lock (slower, and a waiter could hold the row).
        session.flush()
        session.execute(select(func.pg_advisory_xact_lock(EVENTS_LOCK)))  # ids in commit order (above)
        ids = list(session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                   rows).scalars())
    else:
        # SQLite numbers one INSERT's rows in order (one writer, AUTOINCREMENT) but promises no
        # order for RETURNING; an ordered RETURNING makes SQLAlchemy insert row by row instead.
        ids = sorted(session.execute(insert(table).returning(table.c.id), rows).scalars())
    stored = [(row["workspace_id"], live_dict(event_id, row["type"], row["payload"]))
              for row, event_id in zip(rows, ids, strict=True)]
    if postgres:
        from .pg_events import notify  # PostgreSQL modules load only when used

        notify(session, stored)
    session.info[STORED_KEY] = stored


def live_dict(event_id: int, type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An event as subscribers and SSE clients see it."""
    return {"id": event_id, "type": type_, **payload}


async def read_after(session: AsyncSession, workspace_id: int, after: int, limit: int) -> list[dict[str, Any]]:
    """The workspace's events with ids above ``after``, oldest first, at most ``limit``."""
    rows = await session.execute(select(StoredEvent.id, StoredEvent.type, StoredEvent.payload)
                                 .where(StoredEvent.workspace_id == workspace_id, StoredEvent.id > after)
                                 .order_by(StoredEvent.id).limit(limit))
    return [live_dict(event_id, type_, payload) for event_id, type_, payload in rows]


async def latest_id(session: AsyncSession, workspace_id: int) -> int:
    """The workspace's newest event id (0 when it has none)."""
    found = await session.execute(select(func.max(StoredEvent.id)).where(StoredEvent.workspace_id == workspace_id))
    return found.scalar_one() or 0


class Subscription:
    """One subscriber's queue of live events. A slow reader does not slow publishers: when the
    queue is full it is emptied and a ``CATCH_UP`` marker takes its place, so the reader knows to
    re-read the table from its cursor instead of silently missing events."""

    def __init__(self, size: int):
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(size)

    def put(self, ev: dict[str, Any]) -> None:
        if self._queue.full():
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait({"type": CATCH_UP})
        self._queue.put_nowait(ev)

    async def get(self) -> dict[str, Any]:
        return await self._queue.get()


class EventBus(Protocol):
    async def publish(self, workspace_id: int, event: dict[str, Any]) -> None: ...
    def subscription(self, workspace_id: int) -> AbstractAsyncContextManager[Subscription]: ...
    def subscribe(self, workspace_id: int) -> AsyncIterator[dict[str, Any]]: ...


class LocalBus:
    """In-process fan-out of committed events (and ephemeral ones), per workspace."""

    def __init__(self, queue_size: int = 1000):
        self._subs: dict[int, set[Subscription]] = {}
        self._queue_size = queue_size

    def attach(self, db: Database) -> None:
        """Publish the events a committed session stored."""
        def _on_commit(session: Any) -> None:
            for workspace_id, ev in session.info.get(STORED_KEY, ()):  # (more than one bus may listen)
                self.deliver(workspace_id, ev)
        db.on_commit(_on_commit)

    def deliver(self, workspace_id: int, ev: dict[str, Any]) -> None:
        for sub in list(self._subs.get(workspace_id, ())):
            sub.put(ev)

    async def publish(self, workspace_id: int, ev: dict[str, Any]) -> None:
        """An ephemeral event: live only, never stored."""
        self.deliver(workspace_id, ev)

    def open(self, workspace_id: int) -> Subscription:
        sub = Subscription(self._queue_size)
        self._subs.setdefault(workspace_id, set()).add(sub)
        return sub

    def close(self, workspace_id: int, sub: Subscription) -> None:
        self._subs.get(workspace_id, set()).discard(sub)

    @asynccontextmanager
    async def subscription(self, workspace_id: int) -> AsyncIterator[Subscription]:
        """Live events from entering on (nothing published after ``__aenter__`` is missed)."""
        sub = self.open(workspace_id)
        try:
            yield sub
        finally:
            self.close(workspace_id, sub)

    def subscribe(self, workspace_id: int) -> AsyncIterator[dict[str, Any]]:
        """Events from now on, as an iterator. The subscription starts when this is called, not
        when it is first iterated, so nothing published in between is missed."""
        return self._drain(workspace_id, self.open(workspace_id))

    async def _drain(self, workspace_id: int, sub: Subscription) -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield await sub.get()
        finally:
            self.close(workspace_id, sub)
