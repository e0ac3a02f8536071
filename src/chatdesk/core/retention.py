"""Retention: a daily job deletes what is kept only for a while (processed webhook bodies,
delivery receipts, ...), older than ``CHATDESK_RETENTION_DAYS``.

Each domain declares what it prunes as ``Prunable`` rows (table, time column, an optional
extra condition) and the composition root (worker.py) hands the list to ``retention_handler``.
Rows go in batches, each its own short transaction, so SQLite's write lock is never held for
long and webhooks keep being stored while a large backlog is pruned.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Table, delete, select

from .clock import Clock
from .db import Database
from .jobs import ClaimedJob, JobKind, JobPayload
from .scheduler import Periodic

log = logging.getLogger("chatdesk.retention")
BATCH = 1000  # rows per transaction: a few milliseconds of SQLite's write lock
DAY = 24 * 3600


@dataclass(frozen=True)
class Prunable:
    """Rows of ``table`` whose ``time_column`` is older than the cutoff (and that match
    ``extra``, when given) are deleted. The table needs an ``id`` primary key."""

    table: Table  # ``core.db.table_of(Model)`` or a ``Table``
    time_column: str
    extra: ColumnElement[bool] | None = None

    def older_than(self, cutoff: datetime) -> ColumnElement[bool]:
        condition = self.table.c[self.time_column] < cutoff
        return condition if self.extra is None else condition & self.extra


class Prune(JobPayload):
    """Run retention now (the cutoff comes from the settings when it runs)."""


RETENTION = JobKind("retention.prune", Prune)
RETENTION_SCHEDULE = Periodic("retention", every=DAY, kind=RETENTION, payload=Prune())


async def prune(db: Database, rule: Prunable, cutoff: datetime, *, batch: int = BATCH) -> int:
    """Delete the rule's rows older than ``cutoff``, ``batch`` at a time; returns how many."""
    table, total = rule.table, 0
    while True:
        ids = select(table.c.id).where(rule.older_than(cutoff)).limit(batch).scalar_subquery()
        async with db.session() as session:
            result = await session.execute(delete(table).where(table.c.id.in_(ids))
                                           .execution_options(synchronize_session=False))
            deleted = cast(CursorResult[Any], result).rowcount
        total += deleted
        if deleted < batch:
            return total


def retention_handler(db: Database, clock: Clock, days: int, rules: list[Prunable], *, batch: int = BATCH) -> Any:
    """The ``retention.prune`` job: every rule, rows older than ``days`` days."""
    async def handle(job: ClaimedJob) -> None:
        cutoff = clock.now() - timedelta(days=days)
        for rule in rules:
            count = await prune(db, rule, cutoff, batch=batch)
            if count:
                log.info("retention: %d row(s) of %s older than %s deleted", count, rule.table.description,
                         cutoff.isoformat(timespec="seconds"))
    return handle
