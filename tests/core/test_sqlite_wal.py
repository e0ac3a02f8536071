"""SQLite's write-ahead log is copied back into the database file in the background, so write
transactions (every webhook's) never pay for the checkpoint themselves."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from chatdesk.core.db import Database
from chatdesk.core.jobs import enqueue
from tests.conftest import settle
from tests.fakes.jobs import Item, kind


async def test_the_checkpointer_moves_the_log_into_the_database_file(settings, clock):
    db = Database(settings.db_url)
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    path = db.checkpointer.path
    try:
        for _ in range(20):  # ~1 MB of jobs: far below the backstop, so only the checkpointer copies it
            async with db.session() as session:
                for i in range(100):
                    enqueue(session, kind("test.kind"), Item(i=i, pad="x" * 400), now=clock.now())
        before = os.path.getsize(path)
        assert os.path.getsize(path + "-wal") > 500_000
        db.checkpointer.interval = 0.05
        db.start_maintenance()
        await settle(lambda: os.path.getsize(path) > before + 500_000, timeout=10)
        async with db.reader() as session:  # and nothing was lost on the way
            assert (await session.execute(text("SELECT count(*) FROM jobs"))).scalar_one() == 2000
    finally:
        await db.dispose()
    assert db.checkpointer._task is None  # stopped with the database
