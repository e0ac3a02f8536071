"""Live events across processes: an ``EventBus`` over PostgreSQL LISTEN/NOTIFY.

Publishing happens inside the transaction that caused the events: just before it commits,
the events it queued (``events.emit``) go out as ``pg_notify`` calls in that same
transaction. PostgreSQL delivers notifications only when the transaction commits, in commit
order, to every listening process (this one included), so no event is seen for work that
rolled back and every web process sees every event.

NOTIFY payloads must stay under 8000 bytes: the events of one transaction are packed into as
few payloads as fit (events carry ids and states, never message bodies). A process LISTENs
only while at least one subscriber (an SSE stream) is connected.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db import Database
from .events import EVENTS_KEY, LocalBus
from .pg_listen import NOTIFY_LIMIT, PgListener

log = logging.getLogger("chatdesk.pg")
EVENTS_CHANNEL = "chatdesk_events"
RESYNC = {"type": "stream.resync"}  # told to subscribers when notifications may have been lost


def pack(items: list[tuple[int, dict[str, Any]]], limit: int = NOTIFY_LIMIT) -> Iterator[str]:
    """JSON payloads of ``[[workspace_id, event], ...]``, each under ``limit`` bytes."""
    chunk: list[str] = []
    size = 2
    for workspace_id, ev in items:
        part = json.dumps([workspace_id, ev], separators=(",", ":"))
        if len(part.encode()) + 2 > limit:
            log.error("live event %s is too large for NOTIFY; dropped", ev.get("type"))
            continue
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
        """Send the events each writing transaction queued as part of that transaction."""
        # Database exposes only after-commit hooks; NOTIFY must run before the commit.
        db.before_commit(_notify_pending)

    async def publish(self, workspace_id: int, ev: dict[str, Any]) -> None:
        """Publish outside any transaction (committed at once)."""
        async with self.db.engine.begin() as conn:
            for payload in pack([(workspace_id, ev)]):
                await conn.execute(select(func.pg_notify(EVENTS_CHANNEL, payload)))

    async def subscribe(self, workspace_id: int) -> AsyncIterator[dict[str, Any]]:
        await self._join(workspace_id)
        try:
            async for ev in self._local.subscribe(workspace_id):
                yield ev
        finally:
            await self._leave(workspace_id)

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
        for workspace_id in list(self._watching):
            self._local.deliver(workspace_id, dict(RESYNC))


def _notify_pending(session: Session) -> None:
    pending = session.info.pop(EVENTS_KEY, None)
    for payload in pack(pending or []):
        session.execute(select(func.pg_notify(EVENTS_CHANNEL, payload)))
