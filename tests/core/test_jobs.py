"""The jobs table and runner: claiming, retry with backoff, dead jobs, batch isolation."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from chatdesk.core.db import Database
from chatdesk.core.jobs import DEAD, Job, RetryJob, backoff_delay, claim, enqueue
from chatdesk.core.runner import Handlers, Wakeup, Worker
from tests.fakes.jobs import Item, kind


async def make(settings, clock, handlers):
    db = Database(settings.db_url)
    return db, Worker(db, clock, handlers, wakeup=Wakeup(db), concurrency=4, batch_size=10)


async def add(db, clock, name, n=1, **payload):
    async with db.session() as s:
        for i in range(n):
            enqueue(s, kind(name), Item(i=i, **payload), now=clock.now(), max_attempts=3)


async def jobs(db):
    async with db.reader() as s:
        return (await s.execute(select(Job))).scalars().all()


async def test_job_is_invisible_until_its_transaction_commits(settings, clock):
    db = Database(settings.db_url)
    try:
        async with db.session() as s:
            enqueue(s, kind("x"), Item(), now=clock.now())
            async with db.reader() as other:
                assert (await other.execute(select(Job))).first() is None
        assert len(await jobs(db)) == 1
    finally:
        await db.dispose()


async def test_claimed_jobs_are_leased_not_claimed_twice(settings, clock):
    db = Database(settings.db_url)
    try:
        await add(db, clock, "x", 5)
        async with db.session() as s:
            first = await claim(s, worker_id="a", now=clock.now(), limit=3, lease=60)
        async with db.session() as s:
            second = await claim(s, worker_id="b", now=clock.now(), limit=10, lease=60)
        assert len(first) == 3 and len(second) == 2
        assert not {j.id for j in first} & {j.id for j in second}
        clock.advance(seconds=61)  # a crashed worker's lease runs out: the job is claimable again
        async with db.session() as s:
            again = await claim(s, worker_id="c", now=clock.now(), limit=10, lease=60)
        assert len(again) == 5 and all(j.attempts == 2 for j in again)
    finally:
        await db.dispose()


async def test_successful_job_is_deleted(settings, clock):
    ran = []

    async def handler(job):
        ran.append(job.payload.i)
    db, worker = await make(settings, clock, Handlers(single={kind("x"): handler}))
    try:
        await add(db, clock, "x", 3)
        await worker.drain()
        assert sorted(ran) == [0, 1, 2]
        assert await jobs(db) == []
    finally:
        await db.dispose()


async def test_failing_job_backs_off_then_dies_with_its_error(settings, clock):
    async def handler(job):
        raise RetryJob("upstream said no")
    db, worker = await make(settings, clock, Handlers(single={kind("x"): handler}))
    try:
        await add(db, clock, "x")
        await worker.drain()
        (job,) = await jobs(db)
        assert job.status == "queued" and job.attempts == 1 and job.run_at > clock.now()
        for _ in range(2):
            clock.advance(hours=1)
            await worker.drain()
        (job,) = await jobs(db)
        assert (job.status, job.attempts, job.last_error) == (DEAD, 3, "upstream said no")
    finally:
        await db.dispose()


async def test_one_bad_job_does_not_hold_up_its_batch(settings, clock):
    done = []

    async def handler(session, batch):
        for job in batch:
            if job.payload.i == 2:
                raise ValueError("poison")
            done.append(job.payload.i)
    db, worker = await make(settings, clock, Handlers(batch={kind("b"): handler}))
    try:
        await add(db, clock, "b", 5)
        await worker.drain()
        assert sorted(set(done)) == [0, 1, 3, 4]
        (left,) = await jobs(db)
        assert left.payload["i"] == 2 and "poison" in left.last_error
    finally:
        await db.dispose()


async def test_two_step_batch_prepares_outside_the_write_lock_and_isolates_a_bad_job(settings, clock):
    from chatdesk.core.runner import TwoStepBatch
    applied, lock_free_in_prepare = [], []

    async def prepare(batch):
        # a writing session opens at once here: prepare holds no write lock (else it would wait on itself)
        async def write():
            async with db.session():
                lock_free_in_prepare.append(True)
        await asyncio.wait_for(write(), 20)
        if any(job.payload.i == 3 for job in batch):
            raise ValueError("unparseable body")
        return [job.payload.i * 10 for job in batch]

    async def apply(session, batch, prepared):
        applied.extend(prepared)
    db, worker = await make(settings, clock, Handlers(batch={kind("b"): TwoStepBatch(prepare, apply)}))
    try:
        await add(db, clock, "b", 5)
        await worker.drain()
        assert sorted(set(applied)) == [0, 10, 20, 40]
        assert lock_free_in_prepare
        (left,) = await jobs(db)
        assert left.payload["i"] == 3 and "unparseable body" in left.last_error
    finally:
        await db.dispose()


def test_backoff_is_exponential_with_jitter_and_capped():
    import random
    rand = random.Random(1)
    delays = [backoff_delay(n, base=1, cap=60, rand=rand) for n in range(1, 10)]
    assert 0.5 <= delays[0] <= 1 and 4 <= delays[3] <= 8
    assert all(d <= 60 for d in delays)


async def test_worker_waits_out_an_unreachable_database_then_works(tmp_path, clock, caplog):
    """A database that is away (here: SQLite in a directory that does not exist yet) costs one
    warning line per try, with growing pauses, and no traceback; once it is there, jobs run."""
    from chatdesk.core.migrate import upgrade_async

    where = tmp_path / "not-yet"
    url = f"sqlite+aiosqlite:///{where / 'chatdesk.db'}"
    db = Database(url)
    ran = []

    async def handler(job):
        ran.append(job.payload.i)

    worker = Worker(db, clock, Handlers(single={kind("x"): handler}), wakeup=Wakeup(db), poll_interval=0.01)
    task = asyncio.create_task(worker.run())
    try:
        for _ in range(500):
            if len([r for r in caplog.records if "cannot reach the database" in r.message]) >= 3:
                break
            await asyncio.sleep(0.01)
        outage = [r for r in caplog.records if r.name == "chatdesk.worker" and r.levelname == "WARNING"]
        assert len(outage) >= 3 and all(r.exc_info is None for r in outage)
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
        where.mkdir()
        await upgrade_async(url)
        await add(db, clock, "x")
        worker.wakeup.set()
        for _ in range(1000):
            if ran:
                break
            await asyncio.sleep(0.01)
        assert ran == [0]
    finally:
        worker.stop()
        await asyncio.wait_for(task, 20)
        await db.dispose()


def test_postgresql_starting_up_or_shutting_down_is_an_outage_not_a_bug():
    """asyncpg's "the database system is starting up" reaches us wrapped in a plain DBAPIError."""
    from asyncpg.exceptions import AdminShutdownError, CannotConnectNowError
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from chatdesk.core.runner import database_away

    for orig in (CannotConnectNowError("the database system is starting up"),
                 AdminShutdownError("terminating connection due to administrator command")):
        assert database_away(DBAPIError("SELECT 1", None, orig))
    assert not database_away(IntegrityError("INSERT", None, Exception("duplicate key")))
    assert not database_away(KeyError("payload"))


async def test_a_payload_its_kind_refuses_is_dead_at_once_with_the_reason(settings, clock):
    """Typed payloads: a stored payload that does not match the kind's model can never succeed,
    so it is not retried; its neighbours in a batch still run."""
    ran, batched = [], []

    async def handler(job):
        ran.append(job.payload.i)

    async def batch(session, jobs):
        batched.extend(job.payload.i for job in jobs)
    db, worker = await make(settings, clock, Handlers(single={kind("x"): handler}, batch={kind("b"): batch}))
    try:
        async with db.session() as s:
            for name, payload in (("x", {"i": "not a number"}), ("b", {"i": 1, "surprise": True}),
                                  ("b", {"i": 2}), ("x", {"i": 3})):
                s.add(Job(kind=name, payload=payload, status="queued", run_at=clock.now(), created_at=clock.now(),
                          attempts=0, max_attempts=10))
        await worker.drain()
        assert ran == [3] and batched == [2]
        dead = sorted(await jobs(db), key=lambda j: j.id)
        assert [(j.status, j.attempts) for j in dead] == [(DEAD, 1), (DEAD, 1)]
        assert "x payload does not match Item: i:" in dead[0].last_error
        assert "b payload does not match Item: surprise: Extra inputs are not permitted" in dead[1].last_error
    finally:
        await db.dispose()


def test_enqueue_takes_only_the_kinds_own_model():
    import pytest

    from chatdesk.core.jobs import JobKind, JobPayload

    class Other(JobPayload):
        i: int = 0
    with pytest.raises(TypeError, match="x takes a Item, not a Other"):
        kind("x").dump(Other())
    assert JobKind("x", Item).dump(Item(i=4)) == {"i": 4, "pad": ""}
