"""The job runner: claims due jobs and runs their handlers, in-process or as `chatdesk worker`.

Two handler shapes:
- a *batch* handler gets many jobs of its kind and one writing session; its effects and the
  deletion of the jobs commit together (inbound webhooks: thousands per second on SQLite).
  When a batch fails, each job is retried alone so one bad event cannot hold up the rest.
- a *single* handler gets one job and opens its own sessions, so it can do network I/O
  without holding a database transaction (sending to the Graph API). Up to ``concurrency``
  run at once.

Handlers are registered by ``JobKind``; the runner parses each claimed job's payload with
the kind's model before its handler runs, and a job whose payload does not parse is dead at
once (retrying cannot fix it). Each loop also ticks the scheduler of periodic jobs, if any.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import traceback
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from . import logs
from .clock import Clock
from .db import Database
from .errors import one_line
from .jobs import WAKE_KEY, ClaimedJob, InvalidJobPayload, JobKind, RetryJob, bury, claim, finish, reschedule

if TYPE_CHECKING:
    from .scheduler import Scheduler

log = logging.getLogger("chatdesk.worker")
MAX_OUTAGE_BACKOFF = 10.0  # seconds between tries while the database is unreachable


def database_away(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached right now (as opposed to a bug):
    connection errors, SQLite's "unable to open", PostgreSQL shutting down or starting up."""
    if isinstance(exc, (OSError, TimeoutError, OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    try:
        from asyncpg.exceptions import (
            InvalidCatalogNameError,
            ObjectNotInPrerequisiteStateError,
            OperatorInterventionError,
            PostgresConnectionError,
        )
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    # ... and a database that was dropped or does not take connections now (ALLOW_CONNECTIONS off)
    away = (OperatorInterventionError, PostgresConnectionError, InvalidCatalogNameError,
            ObjectNotInPrerequisiteStateError)
    seen: BaseException | None = exc
    for _ in range(5):  # SQLAlchemy wraps the driver's error: walk the chain a little
        if seen is None:
            return False
        if isinstance(seen, away):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False

SingleHandler = Callable[[ClaimedJob], Awaitable[None]]
Held = Callable[[], Awaitable[Collection[str]]]


@dataclass(frozen=True)
class TwoStepBatch:
    """A batch handler that does its reading and computing before the writing transaction.

    ``prepare(jobs)`` runs outside any writing transaction (it may use reader sessions);
    ``apply(session, jobs, prepared)`` runs in the transaction that also deletes the jobs. On
    SQLite there is one write lock per database, and every millisecond a batch holds it is a
    millisecond no webhook can be stored: parsing bodies under it capped the ingest rate.
    """

    prepare: Callable[[list[ClaimedJob]], Awaitable[Any]]
    apply: Callable[[AsyncSession, list[ClaimedJob], Any], Awaitable[None]]


BatchHandler = Callable[[AsyncSession, list[ClaimedJob]], Awaitable[None]] | TwoStepBatch


@dataclass
class Handlers:
    """The job kinds a worker can run, each with its handler. Built by the composition root
    (worker.py) from the kinds the domains declare."""

    single: dict[JobKind[Any], SingleHandler] = field(default_factory=dict)
    batch: dict[JobKind[Any], BatchHandler] = field(default_factory=dict)


class Wakeup:
    """Wakes idle workers when a commit enqueued jobs, instead of waiting for the next poll."""

    def __init__(self, db: Database):
        self.event = asyncio.Event()
        db.on_commit(self._on_commit)

    def _on_commit(self, session: Any) -> None:
        if session.info.pop(WAKE_KEY, False):
            self.set()

    def set(self) -> None:
        self.event.set()

    async def start(self) -> None:
        """Begin receiving wake-ups from elsewhere (other processes: see ``PgWakeup``)."""

    async def close(self) -> None:
        """Stop receiving them; in-process wake-ups need nothing closed."""

    async def wait(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), timeout)
        self.event.clear()


class Worker:
    def __init__(self, db: Database, clock: Clock, handlers: Handlers, *, wakeup: Wakeup,
                 concurrency: int = 16, batch_size: int = 100, lease: float = 60.0,
                 poll_interval: float = 1.0, worker_id: str | None = None, metrics: Any = None,
                 scheduler: Scheduler | None = None, held: Held | None = None):
        self.db, self.clock, self.handlers, self.wakeup = db, clock, handlers, wakeup
        self.held = held  # job kinds not to claim right now (sending paused): they wait, untouched
        self.scheduler = scheduler
        self._single = {kind.name: handler for kind, handler in handlers.single.items()}
        self._batch = {kind.name: handler for kind, handler in handlers.batch.items()}
        self._kinds = {kind.name: kind for kind in [*handlers.single, *handlers.batch]}
        self.metrics = metrics  # core.metrics.Metrics: its job histogram is observed here
        self.batch_size, self.lease, self.poll_interval = batch_size, lease, poll_interval
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Work until ``stop()``; then let running jobs finish."""
        log.info("worker started", extra={"worker_id": self.worker_id})
        await self.wakeup.start()
        outage = 0  # consecutive loops the database could not be reached
        try:
            while not self._stopping.is_set():
                try:
                    did = await self.run_once()
                    outage = 0
                except Exception as exc:
                    if not database_away(exc):  # keep the loop alive through anything, loudly
                        log.exception("worker loop error")
                        did = 0
                    else:  # a restart, a failover: one line per try, backing off
                        outage += 1
                        delay = min(self.poll_interval * 2 ** outage, MAX_OUTAGE_BACKOFF)
                        log.warning("worker cannot reach the database (%s: %s); retrying in %.1f s",
                                    type(exc).__name__, one_line(exc), delay)
                        await self.wakeup.wait(delay)
                        continue
                if not did:
                    await self.wakeup.wait(self.poll_interval)
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            await self.wakeup.close()

    def stop(self) -> None:
        self._stopping.set()
        self.wakeup.set()

    async def run_once(self) -> int:
        """Tick the scheduler, then claim and run what is due now. Returns how many jobs were
        started (or scheduled)."""
        count = await self.scheduler.tick() if self.scheduler is not None else 0
        if self._batch:
            count += await self._run_batches()
        if self._single:
            count += await self._start_singles()
        return count

    async def drain(self, rounds: int = 100) -> None:
        """Run until nothing is due (tests and the CLI's one-shot mode)."""
        for _ in range(rounds):
            started = await self.run_once()
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            elif not started:
                return

    async def _run_batches(self) -> int:
        async with self.db.session() as session:
            claimed = await claim(session, worker_id=self.worker_id, now=self.clock.now(),
                                  limit=self.batch_size, lease=self.lease, kinds=list(self._batch))
        by_kind: dict[str, list[ClaimedJob]] = {}
        for job in await self._typed(claimed):
            by_kind.setdefault(job.kind, []).append(job)
        for kind, group in by_kind.items():
            await self._run_batch(self._batch[kind], group)
        return len(claimed)

    async def _typed(self, jobs: list[ClaimedJob]) -> list[ClaimedJob]:
        """The jobs with their payloads parsed; those that do not parse are made dead here."""
        good, bad = [], []
        for job in jobs:
            try:
                good.append(replace(job, payload=self._kinds[job.kind].load(job.payload)))
            except InvalidJobPayload as exc:
                bad.append((job, str(exc)))
        if bad:
            async with self.db.session() as session:
                for job, error in bad:
                    await bury(session, job, error=error)
            for job, error in bad:
                log.error("job %s (%s) is dead: %s", job.id, job.kind, error)
        return good

    async def _run_batch(self, handler: BatchHandler, jobs: list[ClaimedJob]) -> None:
        ids = logs.job_id.set(",".join(str(j.id) for j in jobs[:20]) + (",..." if len(jobs) > 20 else ""))
        kind = logs.job_kind.set(jobs[0].kind)
        start = time.perf_counter()
        try:
            prepared = await handler.prepare(jobs) if isinstance(handler, TwoStepBatch) else None
            async with self.db.session() as session:
                if isinstance(handler, TwoStepBatch):
                    await handler.apply(session, jobs, prepared)
                else:
                    await handler(session, jobs)
                await finish(session, [j.id for j in jobs])
            self._observe(jobs[0].kind, start)
            return
        except Exception:
            if len(jobs) == 1:
                await self._failed(jobs[0], traceback.format_exc(limit=5))
                return
        finally:
            logs.job_id.reset(ids)
            logs.job_kind.reset(kind)
        for job in jobs:  # isolate the bad one(s)
            await self._run_batch(handler, [job])

    def _observe(self, kind: str, start: float) -> None:
        """One histogram sample per handler run (a batch of inbound events counts once)."""
        if self.metrics is not None:
            self.metrics.job_latency.labels(kind).observe(time.perf_counter() - start)

    async def _start_singles(self) -> int:
        free = self._concurrency - len(self._tasks)
        held = await self.held() if self.held is not None else ()
        kinds = [kind for kind in self._single if kind not in held]
        if free <= 0 or not kinds:
            return 0
        async with self.db.session() as session:
            claimed = await claim(session, worker_id=self.worker_id, now=self.clock.now(), limit=free,
                                  lease=self.lease, kinds=kinds)
        for job in await self._typed(claimed):
            task = asyncio.create_task(self._run_single(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(claimed)

    async def _run_single(self, job: ClaimedJob) -> None:
        handler = self._single[job.kind]
        logs.job_id.set(str(job.id))  # this task's own context: no reset needed
        logs.job_kind.set(job.kind)
        start = time.perf_counter()
        try:
            await handler(job)
            self._observe(job.kind, start)
        except RetryJob as retry:
            await self._failed(job, str(retry), retry.delay, counts=retry.counts)
            return
        except Exception:
            await self._failed(job, traceback.format_exc(limit=5))
            return
        async with self.db.session() as session:
            await finish(session, [job.id])
        self.wakeup.set()  # a slot is free again

    async def _failed(self, job: ClaimedJob, error: str, delay: float | None = None, counts: bool = True) -> None:
        async with self.db.session() as session:
            again = await reschedule(session, job, now=self.clock.now(), error=error, delay=delay, counts=counts)
        level = logging.INFO if again else logging.ERROR
        log.log(level, "job %s (%s) %s: %s", job.id, job.kind,
                "will retry" if again else "is dead", error.strip().splitlines()[-1][:300])
