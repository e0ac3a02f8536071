"""A writing session opened inside another in the same task raises at once, on both databases
(on SQLite it used to wait on itself forever; on PostgreSQL it committed apart from the outer)."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from chatdesk.core.db import Database, NestedWriteSession
from chatdesk.core.jobs import Job, enqueue
from tests.fakes.jobs import Item, kind


async def test_a_nested_writing_session_raises_and_the_outer_rolls_back(settings, clock):
    db = Database(settings.db_url)
    try:
        with pytest.raises(NestedWriteSession, match="pass the session down"):
            async with db.session() as outer:
                enqueue(outer, kind("x"), Item(), now=clock.now())
                async with asyncio.timeout(5):  # same task (wait_for would run it in another)
                    async with db.session():  # raises at once, never waits
                        pass
        async with db.reader() as s:
            assert (await s.execute(select(func.count()).select_from(Job))).scalar_one() == 0
        async with db.session() as again:  # the rails are reset: the next session opens
            enqueue(again, kind("x"), Item(), now=clock.now())
    finally:
        await db.dispose()


async def test_a_task_spawned_inside_a_session_may_open_its_own(settings, clock):
    db = Database(settings.db_url)
    try:
        async with db.session() as outer:
            enqueue(outer, kind("x"), Item(i=1), now=clock.now())
            task = asyncio.create_task(_write(db, clock))  # another task: it waits its turn, no nesting
        await asyncio.wait_for(task, timeout=10)
        async with db.reader() as s:
            assert (await s.execute(select(func.count()).select_from(Job))).scalar_one() == 2
    finally:
        await db.dispose()


async def _write(db: Database, clock) -> None:
    async with db.session() as s:
        enqueue(s, kind("x"), Item(i=2), now=clock.now())


async def test_sessions_in_sequence_and_readers_inside_a_session_are_fine(settings, clock):
    db = Database(settings.db_url)
    try:
        for i in range(3):
            async with db.session() as s:
                enqueue(s, kind("x"), Item(i=i), now=clock.now())
                async with db.reader() as r:
                    await r.execute(select(1))
    finally:
        await db.dispose()
