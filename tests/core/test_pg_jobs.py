"""Jobs on PostgreSQL: concurrent claimers never share a job, and a commit in one process
wakes a worker in another at once (LISTEN/NOTIFY), not at its next poll."""
from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select, text

from chatdesk.core.db import Database
from chatdesk.core.jobs import Job, claim, enqueue
from chatdesk.core.pg_wakeup import PgWakeup
from chatdesk.core.runner import Handlers, Worker
from tests.fakes.jobs import Item, kind
from tests.pg import is_postgres


@pytest.fixture
def pg(settings):
    if not is_postgres(settings.db_url):
        pytest.skip("PostgreSQL only (run with --db postgresql+asyncpg://...)")
    return settings.db_url


async def _add(db: Database, clock, n: int, name: str = "x") -> None:
    async with db.session() as s:
        for i in range(n):
            enqueue(s, kind(name), Item(i=i), now=clock.now())


async def test_a_claimer_skips_rows_another_holds_instead_of_waiting(pg, clock):
    db = Database(pg)
    try:
        await _add(db, clock, 20)
        async def other_claimer():  # its own task: a writing session must not nest in the holder's
            async with db.session() as other:
                return await claim(other, worker_id="b", now=clock.now(), limit=20, lease=60)
        async with db.session() as holder:  # claims 10 and keeps its transaction open
            first = await claim(holder, worker_id="a", now=clock.now(), limit=10, lease=60)
            second = await asyncio.wait_for(asyncio.create_task(other_claimer()), timeout=20)
        assert len(first) == 10 and len(second) == 10
        assert not {j.id for j in first} & {j.id for j in second}
    finally:
        await db.dispose()


async def test_racing_claimers_take_every_job_exactly_once(pg, clock):
    dbs = [Database(pg), Database(pg)]  # two engines: two "processes" worth of connections
    try:
        await _add(dbs[0], clock, 600)
        taken: list[int] = []

        async def claimer(db: Database, name: str) -> None:
            while True:
                async with db.session() as s:
                    got = await claim(s, worker_id=name, now=clock.now(), limit=7, lease=60)
                if not got:
                    return
                taken.extend(j.id for j in got)

        await asyncio.gather(*(claimer(dbs[i % 2], f"w{i}") for i in range(6)))
        assert len(taken) == 600 and len(set(taken)) == 600
    finally:
        for db in dbs:
            await db.dispose()


async def test_enqueue_in_another_process_wakes_an_idle_worker_at_once(pg, clock):
    web, work = Database(pg), Database(pg)  # separate engines: only PostgreSQL links them
    ran: list[float] = []

    async def handler(job):
        ran.append(time.monotonic())
    worker = Worker(work, clock, Handlers(single={kind("x"): handler}), wakeup=PgWakeup(work),
                    poll_interval=60.0)  # polling alone would take a minute
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.3)  # let it LISTEN and go idle
        start = time.monotonic()
        await _add(web, clock, 1)
        await _settle(lambda: ran, 5.0)
        assert ran[0] - start < 2.0
    finally:
        worker.stop()
        await task
        await web.dispose()
        await work.dispose()


async def test_rolled_back_enqueue_wakes_nobody(pg, clock):
    db = Database(pg)
    wakeup = PgWakeup(Database(pg))
    await wakeup.start()
    try:
        with pytest.raises(RuntimeError):
            async with db.session() as s:
                enqueue(s, kind("x"), Item(), now=clock.now())
                raise RuntimeError("changed my mind")
        await asyncio.sleep(0.3)
        assert not wakeup.event.is_set()
        await _add(db, clock, 1)
        await _settle(wakeup.event.is_set, 5.0)
    finally:
        await wakeup.close()
        await db.dispose()


async def test_listener_survives_a_dropped_connection(pg, clock):
    db = Database(pg)
    wakeup = PgWakeup(Database(pg))
    await wakeup.start()
    try:
        async with db.session() as s:  # the server drops every LISTENing backend
            await s.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE query ILIKE 'LISTEN%' AND datname = current_database() "
                                 "AND pid <> pg_backend_pid()"))
        await _settle(wakeup.event.is_set, 10.0)  # reconnecting wakes (notifications may be lost)
        wakeup.event.clear()
        await asyncio.sleep(0.2)
        await _add(db, clock, 1)
        await _settle(wakeup.event.is_set, 5.0)
        async with db.reader() as s:
            assert len((await s.execute(select(Job))).all()) == 1
    finally:
        await wakeup.close()
        await db.dispose()


async def _settle(predicate, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_a_server_shutting_down_our_connection_counts_as_the_database_away(pg):
    """PostgreSQL ending a session (restart, failover: "terminating connection due to
    administrator command") is an outage the worker waits out, not a bug to log loudly."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from chatdesk.core.runner import database_away

    engine = create_async_engine(pg)
    try:
        async with engine.connect() as victim, engine.connect() as admin:
            pid = (await victim.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await asyncio.sleep(0.2)
            with pytest.raises(Exception) as caught:
                await victim.execute(text("SELECT 1"))
            assert database_away(caught.value), repr(caught.value)
            await victim.invalidate()
    finally:
        await engine.dispose()
    assert not database_away(ValueError("a bug"))
