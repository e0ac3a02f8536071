"""Periodic jobs: each tick runs once however many workers run, a restart does not fire a tick
again, missed ticks fire once, and registering applies a changed interval (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from chatdesk.core.db import Database
from chatdesk.core.jobs import JobKind, JobPayload
from chatdesk.core.runner import Handlers, Wakeup, Worker
from chatdesk.core.scheduler import Periodic, Schedule, Scheduler, next_due

EVERY = 60


class Tick(JobPayload):
    label: str


TICK = JobKind("test.tick", Tick)


class Process:
    """One worker process: its own Database object (engines, pools, locks) on the shared database."""

    def __init__(self, url, clock, ran, every=EVERY, min_interval=1.0):
        async def handler(job):
            ran.append((clock.now(), TICK.parse(job).label))
        self.db = Database(url)
        self.scheduler = Scheduler(self.db, clock, [Periodic("tick", every=every, kind=TICK, payload=Tick(label="t"))],
                                   min_interval=min_interval)
        self.worker = Worker(self.db, clock, Handlers(single={TICK: handler}), wakeup=Wakeup(self.db),
                             scheduler=self.scheduler)

    async def close(self):
        await self.db.dispose()


async def test_two_workers_run_each_tick_once_and_a_restart_fires_nothing_again(settings, clock):
    ran: list = []
    a, b = Process(settings.db_url, clock, ran), Process(settings.db_url, clock, ran)
    try:
        await asyncio.gather(a.worker.drain(), b.worker.drain())  # both register: first due in a minute
        assert ran == []
        for tick in range(1, 6):
            clock.advance(seconds=EVERY)
            await asyncio.gather(a.worker.drain(), b.worker.drain())  # both see the tick at once
            assert len(ran) == tick and ran[-1] == (clock.now(), "t")
            await a.close()  # worker a's process restarts within the same tick
            a = Process(settings.db_url, clock, ran)
            await asyncio.gather(a.worker.drain(), b.worker.drain())
            assert len(ran) == tick
    finally:
        await a.close()
        await b.close()


async def test_of_workers_that_read_the_same_tick_exactly_one_claims_it(settings, clock):
    """The race itself, made certain: both read the due time before either updates it."""
    ran: list = []
    a, b = Process(settings.db_url, clock, ran), Process(settings.db_url, clock, ran)
    try:
        await a.scheduler.register(clock.now())
        clock.advance(seconds=EVERY)
        async with a.db.reader() as s:
            seen = (await s.execute(select(Schedule.next_run_at))).scalar_one()
        periodic = a.scheduler.periodic["tick"]
        fired = await asyncio.gather(a.scheduler._fire(periodic, seen, clock.now()),
                                     b.scheduler._fire(periodic, seen, clock.now()))
        assert sorted(fired) == [0, 1]
        await asyncio.gather(a.worker.drain(), b.worker.drain())
        assert len(ran) == 1
    finally:
        await a.close()
        await b.close()


async def test_ticks_missed_while_no_worker_ran_fire_once_and_keep_the_phase(settings, clock):
    ran: list = []
    start = clock.now()
    a = Process(settings.db_url, clock, ran)
    try:
        await a.worker.drain()
        clock.advance(seconds=EVERY * 10 + 5)  # ten ticks missed
        await a.worker.drain()
        assert len(ran) == 1
        async with a.db.reader() as s:
            row = (await s.execute(select(Schedule))).scalar_one()
        assert row.next_run_at == start + timedelta(seconds=EVERY * 11)
        assert row.last_run_at == clock.now()
    finally:
        await a.close()


async def test_registering_again_applies_a_shorter_interval(settings, clock):
    ran: list = []
    a = Process(settings.db_url, clock, ran, every=3600)
    try:
        await a.worker.drain()  # registered: first due in an hour
    finally:
        await a.close()
    b = Process(settings.db_url, clock, ran, every=EVERY)  # the code now says every minute
    try:
        await b.worker.drain()
        assert ran == []
        clock.advance(seconds=EVERY)
        await b.worker.drain()
        assert len(ran) == 1
        async with b.db.reader() as s:
            assert (await s.execute(select(Schedule.every_seconds))).scalar_one() == EVERY
    finally:
        await b.close()


async def test_the_scheduler_ticks_no_more_often_than_its_minimum_interval(settings, clock):
    ran: list = []
    a = Process(settings.db_url, clock, ran, every=1, min_interval=5)
    try:
        await a.worker.drain()  # registers
        clock.advance(seconds=2)
        assert await a.scheduler.tick() == 0  # due, but ticked 2 s ago
        clock.advance(seconds=3)
        assert await a.scheduler.tick() == 1
    finally:
        await a.close()


def test_next_due_skips_missed_ticks_in_one_step(clock):
    seen = clock.now()
    assert next_due(seen, 60, seen) == seen + timedelta(seconds=60)
    assert next_due(seen, 60, seen + timedelta(seconds=59)) == seen + timedelta(seconds=60)
    assert next_due(seen, 60, seen + timedelta(seconds=600)) == seen + timedelta(seconds=660)
