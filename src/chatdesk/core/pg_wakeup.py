"""Waking workers in other processes: LISTEN for the NOTIFY that ``jobs.enqueue`` adds to the
enqueuing transaction (PostgreSQL delivers it only if that transaction commits).

In one process the in-process ``Wakeup`` is enough (SQLite); with many processes a worker
would otherwise notice a new job only at its next poll. The poll stays as the fallback:
notifications sent while the LISTEN connection is down are lost, so a reconnect also wakes.
"""
from __future__ import annotations

from .db import Database
from .jobs import JOBS_CHANNEL
from .pg_listen import PgListener
from .runner import Wakeup


class PgWakeup(Wakeup):
    """A ``Wakeup`` that is also set by any process's committed enqueue (LISTEN chatdesk_jobs)."""

    def __init__(self, db: Database):
        super().__init__(db)
        self.listener = PgListener(db.url, JOBS_CHANNEL, lambda _payload: self.set(),
                                   on_reconnect=self.set)

    async def start(self) -> None:
        await self.listener.start()

    async def close(self) -> None:
        await self.listener.close()
