"""The jobs table: the transactional outbox every side effect goes through.

A job is inserted in the same transaction as the state that needs it (a queued message and
its send job commit together). Workers claim due jobs with a lease (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL), run the handler registered for the job's kind, and delete the job on
success. Failures are retried with exponential backoff and jitter; a job that keeps failing
is kept as ``dead`` with its last error, never silently dropped.

Payloads are typed: each kind is a ``JobKind`` declared by its domain with a frozen Pydantic
model; ``enqueue`` stores the model's JSON, and the runner parses it back before the handler
runs (a payload that does not parse makes the job dead at once, with the reason).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Index, Integer, String, Text, delete, event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from .clock import aware
from .db import Base, Id, Json, UTCDateTime, table_of

QUEUED = "queued"
DEAD = "dead"


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    workspace_id: Mapped[int | None] = mapped_column(Id, nullable=True)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=10)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)


class JobPayload(BaseModel):
    """Base of every job kind's payload model.

    ``extra="forbid"``: a job is an instruction we wrote ourselves, so an unknown field means
    a worker older than the code that queued it (a rolling upgrade) or a bug. Such a worker
    must not carry out the part it understands and silently drop the rest: the job goes dead
    with the reason, visible in ``queue_stats``, and can be queued again after the upgrade.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


P = TypeVar("P", bound=JobPayload)


class InvalidJobPayload(ValueError):
    """A stored payload that its kind's model refuses: the job can never succeed."""


@dataclass(frozen=True)
class JobKind(Generic[P]):
    """A kind of job and the model of its payload, declared by the domain that handles it
    (``JobKind("message.send", SendMessage)``)."""

    name: str
    payload: type[P]

    def dump(self, payload: P) -> dict[str, Any]:
        if not isinstance(payload, self.payload):
            raise TypeError(f"{self.name} takes a {self.payload.__name__}, not a {type(payload).__name__}")
        return payload.model_dump(mode="json")

    def parse(self, job: ClaimedJob) -> P:
        """The job's typed payload (the runner has parsed it already; a raw dict is parsed here)."""
        if isinstance(job.payload, self.payload):
            return job.payload
        return self.load(job.payload)

    def load(self, raw: Any) -> P:
        try:
            return self.payload.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "payload"
            raise InvalidJobPayload(f"{self.name} payload does not match {self.payload.__name__}: "
                                    f"{where}: {first['msg']} ({exc.error_count()} error(s))") from None


@dataclass(frozen=True)
class ClaimedJob:
    """What a handler gets: the job's identity, payload and how many times it has been tried.
    ``payload`` is the kind's model once the runner has parsed it (``JobKind.parse``)."""

    id: int
    kind: str
    payload: Any
    attempts: int
    max_attempts: int
    workspace_id: int | None
    created_at: datetime


class RetryJob(Exception):
    """Raised by a handler to be run again later (``delay`` seconds, or the backoff policy's).
    ``counts=False``: the handler did not try (e.g. sending is paused), so the attempt the
    claim took is given back and waiting never uses up a job's attempts."""

    def __init__(self, reason: str, delay: float | None = None, *, counts: bool = True):
        super().__init__(reason)
        self.delay = delay
        self.counts = counts


WAKE_KEY = "chatdesk.jobs.enqueued"
NOTIFY_HOOKED = "chatdesk.jobs.notify_hooked"
JOBS_CHANNEL = "chatdesk_jobs"  # LISTENed to by workers in other processes (pg_wakeup)


def enqueue(session: AsyncSession, kind: JobKind[P], payload: P, *, now: datetime,
            delay: float = 0.0, workspace_id: int | None = None, max_attempts: int = 10) -> Job:
    """Add a job to the caller's transaction; it becomes visible to workers on commit."""
    job = Job(kind=kind.name, payload=kind.dump(payload), status=QUEUED, run_at=now + timedelta(seconds=delay),
              created_at=now, attempts=0, max_attempts=max_attempts, workspace_id=workspace_id)
    session.add(job)
    _wake_on_commit(session)
    return job


async def enqueue_many(session: AsyncSession, kind: JobKind[P], payloads: list[P], *,
                       now: datetime, workspace_id: int | None = None, max_attempts: int = 10) -> None:
    """Many jobs of one kind in one INSERT (the webhook group commit's hot path)."""
    if not payloads:
        return
    rows = [{"kind": kind.name, "payload": kind.dump(p), "status": QUEUED, "run_at": now, "created_at": now,
             "attempts": 0, "max_attempts": max_attempts, "workspace_id": workspace_id} for p in payloads]
    await session.execute(insert(table_of(Job)), rows)
    _wake_on_commit(session)


def _wake_on_commit(session: AsyncSession) -> None:
    info = session.sync_session.info
    info[WAKE_KEY] = True
    if not info.get(NOTIFY_HOOKED) and session.get_bind().dialect.name == "postgresql":
        info[NOTIFY_HOOKED] = True
        event.listen(session.sync_session, "before_commit", _notify_workers)


def _notify_workers(session: Session) -> None:
    """NOTIFY inside the enqueuing transaction: PostgreSQL delivers it to LISTENing workers
    only when (and if) the transaction commits, and folds repeats within it into one."""
    if session.info.get(WAKE_KEY):
        session.execute(text(f"NOTIFY {JOBS_CHANNEL}"))


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 300.0,
                  rand: random.Random | None = None) -> float:
    """Seconds before retry number ``attempt`` (1-based): exponential, capped, with full jitter
    in the upper half so many failing jobs do not retry in lockstep."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling * (0.5 + 0.5 * (rand or random).random())


async def claim(session: AsyncSession, *, worker_id: str, now: datetime, limit: int,
                lease: float, kinds: list[str] | None = None) -> list[ClaimedJob]:
    """Lease up to ``limit`` due jobs to ``worker_id``; other workers skip them until the lease ends."""
    due = (select(Job.id)
           .where(Job.status == QUEUED, Job.run_at <= now)
           .where((Job.locked_until.is_(None)) | (Job.locked_until < now))
           .order_by(Job.run_at, Job.id).limit(limit)
           .with_for_update(skip_locked=True))
    if kinds:
        due = due.where(Job.kind.in_(kinds))
    stmt = (update(Job).where(Job.id.in_(due.scalar_subquery()))
            .values(locked_by=worker_id, locked_until=now + timedelta(seconds=lease),
                    attempts=Job.attempts + 1)
            .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts,
                       Job.workspace_id, Job.created_at)
            .execution_options(synchronize_session=False))
    rows = (await session.execute(stmt)).all()
    return sorted((ClaimedJob(*row) for row in rows), key=lambda j: j.id)


async def finish(session: AsyncSession, job_ids: list[int]) -> None:
    """A job that ran is deleted: the table holds only work still to do (and dead jobs)."""
    if job_ids:
        await session.execute(delete(Job).where(Job.id.in_(job_ids))
                              .execution_options(synchronize_session=False))


async def reschedule(session: AsyncSession, job: ClaimedJob, *, now: datetime, error: str,
                     delay: float | None = None, counts: bool = True) -> bool:
    """Release a failed job for a later try, or mark it dead when its attempts are used up.
    Returns True when it will run again. ``counts=False`` gives the claimed attempt back."""
    attempts = job.attempts if counts else job.attempts - 1
    again = attempts < job.max_attempts
    wait = delay if delay is not None else backoff_delay(attempts)
    values: dict[str, Any] = {"last_error": error[:2000], "locked_by": None, "locked_until": None}
    if not counts:
        values["attempts"] = attempts
    if again:
        values["run_at"] = now + timedelta(seconds=wait)
    else:
        values["status"] = DEAD
    await session.execute(update(Job).where(Job.id == job.id).values(**values)
                          .execution_options(synchronize_session=False))
    return again


async def bury(session: AsyncSession, job: ClaimedJob, *, error: str) -> None:
    """Mark a job dead at once (it can never succeed, e.g. its payload does not parse)."""
    await session.execute(update(Job).where(Job.id == job.id)
                          .values(status=DEAD, last_error=error[:2000], locked_by=None, locked_until=None)
                          .execution_options(synchronize_session=False))


async def queue_stats(session: AsyncSession, now: datetime) -> dict[str, float]:
    """Depth of the queue and the age of the oldest due job (lag), for /metrics and /readyz."""
    depth = (await session.execute(select(func.count()).select_from(Job)
                                   .where(Job.status == QUEUED))).scalar_one()
    dead = (await session.execute(select(func.count()).select_from(Job)
                                  .where(Job.status == DEAD))).scalar_one()
    oldest = (await session.execute(select(func.min(Job.run_at))
                                    .where(Job.status == QUEUED, Job.run_at <= now))).scalar_one()
    lag = 0.0
    if oldest is not None:
        lag = max(0.0, (now - aware(oldest)).total_seconds())
    return {"depth": float(depth), "dead": float(dead), "lag_seconds": lag}
