"""The operator's switch that pauses outbound sending, stored in the database.

One row (``sending_pause``, id 1) says whether sending is paused, who switched it, when and
why; no row means it was never switched (sending is on). Every process, web or worker, reads
the same row, so ``chatdesk sending pause`` / ``resume`` reach all of them within
``PauseSwitch.ttl`` seconds without a restart. While paused, workers do not claim send jobs
(``core.runner``): they wait queued, their attempts untouched, and go out once on resume.

``CHATDESK_SENDING_PAUSED=true`` means "start paused": a process started with it switches
sending off in the database before it does anything else (a restored copy of the database
must never message real customers), and an operator resumes it with ``chatdesk sending resume``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, Database, UTCDateTime
from .jobs import QUEUED, Job

SWITCH_ID = 1  # the one row
START_PAUSED_REASON = "started with CHATDESK_SENDING_PAUSED=true"


class SendingPause(Base):
    __tablename__ = "sending_pause"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class PauseState:
    """The switch as last written (``by``/``at`` are None when it was never switched)."""

    paused: bool = False
    reason: str | None = None
    by: str | None = None
    at: datetime | None = None


async def read(session: AsyncSession) -> PauseState:
    row = await session.get(SendingPause, SWITCH_ID)
    if row is None:
        return PauseState()
    return PauseState(row.paused, row.reason, row.changed_by, row.changed_at)


async def switch(session: AsyncSession, paused: bool, *, by: str, now: datetime,
                 reason: str | None = None) -> PauseState:
    """Set the switch (in the caller's transaction). Switching it to what it already is changes
    nothing (a second pause keeps who paused it, when and why); returns the row's state."""
    row = await session.get(SendingPause, SWITCH_ID, with_for_update=True)
    if row is not None and row.paused == paused:
        return PauseState(row.paused, row.reason, row.changed_by, row.changed_at)
    if row is None:
        row = SendingPause(id=SWITCH_ID)
        session.add(row)
    row.paused, row.reason, row.changed_by, row.changed_at = paused, reason if paused else None, by[:200], now
    await session.flush()
    return PauseState(paused, row.reason, row.changed_by, now)


async def waiting(session: AsyncSession, kinds: list[str]) -> int:
    """How many jobs of ``kinds`` (the sending ones) are queued."""
    return (await session.execute(select(func.count()).select_from(Job)
                                  .where(Job.status == QUEUED, Job.kind.in_(kinds)))).scalar_one()


def describe(state: PauseState, waiting_count: int) -> str:
    """One line for the operator: on or paused, who/when/why, and what waits."""
    when = state.at.isoformat(timespec="seconds") if state.at else None
    if state.paused:
        return (f"sending is PAUSED since {when} by {state.by}: {state.reason or 'no reason given'}; "
                f"{waiting_count} message(s) waiting ('chatdesk sending resume' sends them, each once)")
    since = f" (resumed {when} by {state.by})" if state.at else ""
    return f"sending is on{since}; {waiting_count} message(s) queued"


class PauseSwitch:
    """One process's view of the switch: read from the database at most every ``ttl`` seconds
    (a claim loop asks many times a second); a change this process makes applies at once."""

    def __init__(self, db: Database, ttl: float = 2.0):
        self.db, self.ttl = db, ttl
        self._known = PauseState()
        self._read_at: float | None = None

    async def state(self) -> PauseState:
        if self._read_at is None or time.monotonic() - self._read_at >= self.ttl:
            async with self.db.reader() as session:
                self._known = await read(session)
            self._read_at = time.monotonic()
        return self._known

    async def paused(self) -> bool:
        return (await self.state()).paused

    @property
    def known(self) -> PauseState:
        """The state as last read (for synchronous callers such as page rendering)."""
        return self._known

    async def set(self, paused: bool, *, by: str, now: datetime, reason: str | None = None) -> PauseState:
        async with self.db.session() as session:
            self._known = await switch(session, paused, by=by, now=now, reason=reason)
        self._read_at = time.monotonic()
        return self._known


async def start_paused(db: Database, *, by: str, now: datetime) -> PauseState:
    """``CHATDESK_SENDING_PAUSED=true`` at start: pause sending (unless it already is)."""
    async with db.session() as session:
        return await switch(session, True, by=by, now=now, reason=START_PAUSED_REASON)
