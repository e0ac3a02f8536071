"""Live events across processes: an ``EventBus`` over PostgreSQL LISTEN/NOTIFY.

Publishing happens inside the transaction that caused the events: just before it commits, the
events it emitted are stored (``events._store_pending``) and go out, with their ids, as
``pg_notify`` calls in that same transaction (``notify``). PostgreSQL delivers notifications
only when the transaction commits, in commit order, to every listening process (this one
included), so no event is seen for work that rolled back and every web process sees every event.

NOTIFY payloads must stay under 8000 bytes: the events of one transaction are packed into as
few payloads as fit (events carry ids and states, never message bodies); an event that could
never fit goes out as a ``CATCH_UP`` marker, and its readers fetch it from the table. A process
LISTENs only while at least one subscriber (an SSE stream) is connected; notifications lost
while its connection was down are made up the same way (a ``CATCH_UP`` to every subscriber).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db import Database
from .events import CATCH_UP, LocalBus, Subscription
from .pg_listen import NOTIFY_LIMIT, PgListener

log = logging.getLogger("chatdesk.pg")
EVENTS_CHANNEL = "chatdesk_events"


def pack(items: list[tuple[int, dict[str, Any]]], limit: int = NOTIFY_LIMIT) -> Iterator[str]:
    """JSON payloads of ``[[workspace_id, event], ...]``, each under ``limit`` bytes."""
    chunk: list[str] = []
    size = 2
    for workspace_id, ev in items:
        part = json.dumps([workspace_id, ev], separators=(",", ":"))
        if len(part.encode()) + 2 > limit:
            log.warning("live event %s is too large for NOTIFY; its readers fetch it", ev.get("type"))
            part = json.dumps([workspace_id, {"type": CATCH_UP}], separators=(",", ":"))
        if chunk and size + len(part.encode()) + 1 > limit:
            yield "[" + ",".join(chunk) + "]"
            chunk, size = [], 2
        chunk.append(part)
        size += len(part.encode()) + 1
    if chunk:
        yield "[" + ",".join(chunk) + "]"


class PgBus:
    """The scale-out ``EventBus``: local fan-out fed by LISTEN, publishing by NOTIFY."""

    def __init__(self, db: Database, queue_size: int = 1000):
        self.db = db
        self._local = LocalBus(queue_size)
        self._listener = PgListener(db.url, EVENTS_CHANNEL, self._received, on_reconnect=self._resync)
        self._watching: Counter[int] = Counter()  # workspace id -> subscribers in this process
        self._lock = asyncio.Lock()

    def attach(self, db: Database) -> None:
        """Nothing to hook: whoever stores events NOTIFYs them (``notify``), in any process."""

    async def publish(self, workspace_id: int, ev: dict[str, Any]) -> None:
        """Publish outside any transaction (committed at once)."""
        async with self.db.engine.begin() as conn:
            for payload in pack([(workspace_id, ev)]):
                await conn.execute(select(func.pg_notify(EVENTS_CHANNEL, payload)))

    @asynccontextmanager
    async def subscription(self, workspace_id: int) -> AsyncIterator[Subscription]:
        """Live events from entering on: returns once this process LISTENs."""
        sub = self._local.open(workspace_id)
        try:
            await self._join(workspace_id)
            try:
                yield sub
            finally:
                await self._leave(workspace_id)
        finally:
            self._local.close(workspace_id, sub)

    async def subscribe(self, workspace_id: int) -> AsyncIterator[dict[str, Any]]:
        async with self.subscription(workspace_id) as sub:
            while True:
                yield await sub.get()

    async def _join(self, workspace_id: int) -> None:
        async with self._lock:
            self._watching[workspace_id] += 1
            if not self._listener.running:
                await self._listener.start()

    async def _leave(self, workspace_id: int) -> None:
        async with self._lock:
            self._watching[workspace_id] -= 1
            if self._watching[workspace_id] <= 0:
                del self._watching[workspace_id]
            if not self._watching:
                await self._listener.close()

    def _received(self, payload: str) -> None:
        for workspace_id, ev in json.loads(payload):
            self._local.deliver(workspace_id, ev)

    def _resync(self) -> None:
        """Notifications may have been lost while LISTEN was down: every reader re-reads."""
        for workspace_id in list(self._watching):
            self._local.deliver(workspace_id, {"type": CATCH_UP})


def notify(session: Session, stored: list[tuple[int, dict[str, Any]]]) -> None:
    """NOTIFY the stored events (with their ids) inside the transaction that stores them."""
    for payload in pack(stored):
        session.execute(select(func.pg_notify(EVENTS_CHANNEL, payload)))
