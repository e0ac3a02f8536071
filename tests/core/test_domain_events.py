"""Durable domain events: stored in the transaction that caused them (and only if it commits),
in one statement per transaction, with ids in commit order; a slow live subscriber is told to
catch up rather than silently losing events."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func, select

from chatdesk.conversations.events import ConversationAssigned, ConversationRead
from chatdesk.core.db import Database
from chatdesk.core.events import CATCH_UP, LocalBus, Subscription, emit, latest_id, read_after
from tests.pg import is_postgres


@pytest.fixture
async def db(settings):
    database = Database(settings.db_url)
    yield database
    await database.dispose()


async def _stored(db: Database, workspace_id: int = 1) -> list[dict]:
    async with db.reader() as session:
        return await read_after(session, workspace_id, 0, 1000)


async def test_an_event_is_stored_with_the_transaction_that_caused_it(db):
    async with db.session() as s:
        emit(s, ConversationAssigned(workspace_id=1, conversation_id=5, assignee_id=3, team_id=None))
        await s.flush()
        assert await _stored(db) == []  # not before the commit
    (stored,) = await _stored(db)
    assert stored == {"id": stored["id"], "type": "conversation.assigned", "conversation_id": 5, "assignee_id": 3,
                      "team_id": None, "actor_id": None, "assignee_changed": True}


async def test_a_rolled_back_transaction_stores_no_event(db):
    with pytest.raises(RuntimeError):
        async with db.session() as s:
            emit(s, ConversationRead(workspace_id=1, conversation_id=5))
            raise RuntimeError("the work failed")
    async with db.session() as s:
        emit(s, ConversationRead(workspace_id=1, conversation_id=6))
    assert [e["conversation_id"] for e in await _stored(db)] == [6]


async def test_a_transactions_events_go_in_with_one_statement_in_emit_order(db):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "domain_events" in statement:
            statements.append(statement)
    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    async with db.session() as s:
        for i in range(300):
            emit(s, ConversationRead(workspace_id=1 + i % 2, conversation_id=i))
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("INSERT")
    assert [e["conversation_id"] for e in await _stored(db, 1)] == list(range(0, 300, 2))
    assert [e["conversation_id"] for e in await _stored(db, 2)] == list(range(1, 300, 2))


async def test_reading_by_cursor_sees_only_the_workspaces_later_events(db):
    for ws in (1, 2, 1, 1, 2):
        async with db.session() as s:
            emit(s, ConversationRead(workspace_id=ws, conversation_id=ws))
    async with db.reader() as s:
        first, *rest = await read_after(s, 1, 0, 10)
        assert [e["id"] for e in await read_after(s, 1, first["id"], 10)] == [e["id"] for e in rest]
        assert len(rest) == 2 and all(e["conversation_id"] == 1 for e in rest)
        assert await latest_id(s, 1) == rest[-1]["id"] and await latest_id(s, 3) == 0


async def test_committed_events_reach_live_subscribers_with_their_ids(db):
    if db.is_postgres:
        pytest.skip("on PostgreSQL the live path is LISTEN/NOTIFY (tests/core/test_pg_events.py)")
    bus = LocalBus()
    bus.attach(db)
    async with bus.subscription(1) as sub:
        async with db.session() as s:
            emit(s, ConversationRead(workspace_id=1, conversation_id=9))
        live = await asyncio.wait_for(sub.get(), 20)
    assert live == (await _stored(db))[0]


async def test_a_full_subscription_is_told_to_catch_up_instead_of_dropping_silently():
    sub = Subscription(3)
    for i in range(5):
        sub.put({"id": i, "type": "conversation.read"})
    got = [await sub.get() for _ in range(3)]
    assert got == [{"type": CATCH_UP}, {"id": 3, "type": "conversation.read"}, {"id": 4, "type": "conversation.read"}]


async def test_ids_follow_commit_order_with_two_concurrent_writers(settings):
    """Writer 1 stores its event, then stays in its transaction; writer 2 commits meanwhile.
    A reader must never see writer 2's event without writer 1's (its cursor would skip it)."""
    if not is_postgres(settings.db_url):
        pytest.skip("PostgreSQL only (SQLite has one writer at a time)")
    dbs = [Database(settings.db_url), Database(settings.db_url)]  # two processes' engines
    seen: list[list[int]] = []
    done = asyncio.Event()

    async def slow_writer():
        async with dbs[0].session() as s:
            emit(s, ConversationRead(workspace_id=1, conversation_id=1))
            # runs after the events are inserted (listeners run in order), before the commit
            event.listen(s.sync_session, "before_commit",
                         lambda sync: sync.execute(select(func.pg_sleep(0.6))))

    async def reader():
        while not done.is_set():
            seen.append([e["conversation_id"] for e in await _stored(dbs[0])])
            await asyncio.sleep(0.01)

    try:
        watching = asyncio.create_task(reader())
        first = asyncio.create_task(slow_writer())
        await asyncio.sleep(0.25)  # writer 1 is inside its commit, holding its ids
        async with dbs[1].session() as s:
            emit(s, ConversationRead(workspace_id=1, conversation_id=2))
        await first
        done.set()
        await watching
        final = await _stored(dbs[0])
    finally:
        for d in dbs:
            await d.dispose()
    assert [e["conversation_id"] for e in final] == [1, 2] and final[0]["id"] < final[1]["id"]
    assert all(snapshot in ([], [1], [1, 2]) for snapshot in seen), seen
