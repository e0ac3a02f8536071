"""Durable storage of webhook bodies with group commit.

Every POST waits until its body is committed, but concurrent POSTs share one transaction:
while one commit is in flight, newly arrived bodies queue up and the next commit takes them
all. An idle server commits a lone webhook at once; a busy one commits hundreds together, so
SQLite's single writer is not the ceiling of the webhook rate.
"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

from ..core.clock import Clock
from ..core.db import Database, insert_ignore
from ..core.jobs import enqueue_many
from .jobs import INBOUND_PROCESS, ProcessInbound
from .models import InboundEvent

PROCESS_JOB = INBOUND_PROCESS.name


@dataclass
class _Pending:
    kind: str
    channel_id: int | None  # None: an account-level webhook (names no number)
    raw: bytes
    key: str
    done: asyncio.Future[bool]


class InboundWriter:
    def __init__(self, db: Database, clock: Clock, *, max_batch: int = 500):
        self.db, self.clock, self.max_batch = db, clock, max_batch
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def store(self, kind: str, channel_id: int | None, raw: bytes) -> bool:
        """Store the body and its processing job; True if new, False for a replay of a stored one."""
        item = _Pending(kind, channel_id, raw, hashlib.sha256(raw).hexdigest(),
                        asyncio.get_running_loop().create_future())
        self._pending.append(item)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await asyncio.shield(item.done)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
            try:
                await self._write(batch)
            except Exception:
                for item in batch:  # isolate a bad body; the others still get stored
                    try:
                        await self._write([item])
                    except Exception as exc:
                        if not item.done.done():
                            item.done.set_exception(exc)

    async def _write(self, batch: list[_Pending]) -> None:
        now = self.clock.now()
        table = InboundEvent.__table__
        rows = [{"kind": i.kind, "channel_id": i.channel_id, "dedupe_key": i.key,
                 "body": i.raw.decode("utf-8", "replace"), "received_at": now} for i in batch]
        async with self.db.session() as session:
            stmt = insert_ignore(self.db.dialect, table, ["dedupe_key"]).returning(table.c.dedupe_key, table.c.id)
            inserted = dict((await session.execute(stmt, rows)).all())
            await enqueue_many(session, INBOUND_PROCESS,
                               [ProcessInbound(event_id=event_id) for event_id in inserted.values()], now=now)
        first_seen: set[str] = set()
        for item in batch:
            new = item.key in inserted and item.key not in first_seen
            first_seen.add(item.key)
            if not item.done.done():
                item.done.set_result(new)
