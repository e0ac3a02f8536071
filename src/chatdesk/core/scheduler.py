"""Periodic jobs on the jobs table: each tick runs once, however many workers run.

A schedule is a row (name, every N seconds, job kind, payload, next run). Every worker ticks
the scheduler in its loop (at most once a second). A due schedule is claimed with a
conditional UPDATE that moves ``next_run_at`` on only if it still holds the value this
worker read, and its job is enqueued in that same transaction: of the workers that saw the
same tick, exactly one updates the row (rowcount 1) and enqueues. On SQLite writers take turns;
on PostgreSQL the second UPDATE waits for the first's row lock, then matches nothing.

A schedule missed while no worker ran fires once (not once per missed tick) and keeps its
phase. Registering a schedule (each worker does, once) upserts its row, so an interval change
in the code applies on the next start.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, cast

from sqlalchemy import CursorResult, Integer, String, case, literal, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .clock import Clock
from .db import Base, Database, Json, UTCDateTime, insert_ignore
from .jobs import JobKind, P, enqueue


class Schedule(Base):
    """One periodic job and when it is next due (shared by every worker)."""

    __tablename__ = "schedules"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    every_seconds: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@dataclass(frozen=True)
class Periodic(Generic[P]):
    """A job of ``kind`` with ``payload``, queued every ``every`` seconds (declared by a domain)."""

    name: str
    every: int
    kind: JobKind[P]
    payload: P

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError(f"schedule {self.name!r}: every must be at least 1 second")


def next_due(seen: datetime, every: int, now: datetime) -> datetime:
    """The first tick of the schedule after ``now``: however many ticks were missed, one run
    covers them, and the schedule keeps its phase."""
    missed = max(0, int((now - seen).total_seconds() // every))
    return seen + timedelta(seconds=every * (missed + 1))


class Scheduler:
    """Ticks the periodic jobs of one worker process (``Worker.run_once`` calls ``tick``)."""

    def __init__(self, db: Database, clock: Clock, periodic: list[Periodic[Any]], *, min_interval: float = 1.0):
        names = [p.name for p in periodic]
        if len(set(names)) != len(names):
            raise ValueError(f"two schedules share a name: {sorted(names)}")
        self.db, self.clock, self.min_interval = db, clock, min_interval
        self.periodic = {p.name: p for p in periodic}
        self._registered = False
        self._last: datetime | None = None

    async def tick(self) -> int:
        """Queue the jobs of the schedules that are due; returns how many this worker queued."""
        now = self.clock.now()
        if not self.periodic or (self._last is not None and
                                 timedelta(0) <= now - self._last < timedelta(seconds=self.min_interval)):
            return 0
        self._last = now
        if not self._registered:
            await self.register(now)
            self._registered = True
        async with self.db.reader() as session:
            due = (await session.execute(select(Schedule.name, Schedule.next_run_at).where(
                Schedule.name.in_(list(self.periodic)), Schedule.next_run_at <= now))).all()
        fired = 0
        for name, seen in due:
            fired += await self._fire(self.periodic[name], seen, now)
        return fired

    async def register(self, now: datetime) -> None:
        """Upsert every schedule's row. A new one is first due one interval from now (a fresh
        install has nothing to prune); a shorter interval than the stored one brings the next
        run forward (a run due sooner is never pushed back)."""
        table = Schedule.__table__
        async with self.db.session() as session:
            for p in self.periodic.values():
                payload = p.kind.dump(p.payload)
                await session.execute(insert_ignore(self.db.dialect, table, ["name"]), [{
                    "name": p.name, "every_seconds": p.every, "kind": p.kind.name, "payload": payload,
                    "next_run_at": now + timedelta(seconds=p.every), "last_run_at": None}])
                cap = literal(now + timedelta(seconds=p.every), UTCDateTime())
                # evaluated under the row's lock, so a tick another worker just claimed is kept
                await session.execute(update(Schedule).where(Schedule.name == p.name).values(
                    every_seconds=p.every, kind=p.kind.name, payload=payload,
                    next_run_at=case((Schedule.next_run_at > cap, cap), else_=Schedule.next_run_at)))

    async def _fire(self, p: Periodic[Any], seen: datetime, now: datetime) -> int:
        async with self.db.session() as session:
            claimed = cast(CursorResult[Any], await session.execute(
                update(Schedule).where(Schedule.name == p.name, Schedule.next_run_at == seen)
                .values(next_run_at=next_due(seen, p.every, now), last_run_at=now)
                .execution_options(synchronize_session=False)))
            if claimed.rowcount != 1:  # another worker took this tick
                return 0
            enqueue(session, p.kind, p.payload, now=now)
        return 1
