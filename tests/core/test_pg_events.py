"""Live events across processes over LISTEN/NOTIFY: delivered after commit, never for a
rollback, to subscribers on another engine (another web process), in order, in any volume,
with the ids they were stored under."""
from __future__ import annotations

import asyncio
import json

import pytest

from chatdesk.conversations.events import ConversationRead, MessageUpdated
from chatdesk.core.backends import make_bus
from chatdesk.core.db import Database
from chatdesk.core.events import CATCH_UP, emit
from chatdesk.core.pg_events import pack
from tests.pg import is_postgres


def test_pack_keeps_every_payload_under_notifys_limit_and_in_order():
    items = [(1, {"type": "message.created", "message_id": i, "conversation_id": i // 3}) for i in range(2000)]
    payloads = list(pack(items, limit=1000))
    assert all(len(p.encode()) < 1000 for p in payloads) and len(payloads) > 1
    assert [tuple(x) for p in payloads for x in json.loads(p)] == [(w, e) for w, e in items]


def test_pack_replaces_an_event_that_can_never_fit_by_a_catch_up_marker():
    items = [(1, {"type": "a"}), (1, {"type": "huge", "x": "y" * 2000}), (1, {"type": "b"})]
    assert [e["type"] for p in pack(items, limit=500) for _, e in json.loads(p)] == ["a", CATCH_UP, "b"]


@pytest.fixture
async def two_processes(settings):
    """Two engines with their own buses: the 'web' process subscribes, the 'worker' commits."""
    if not is_postgres(settings.db_url):
        pytest.skip("PostgreSQL only (run with --db postgresql+asyncpg://...)")
    web, worker = Database(settings.db_url), Database(settings.db_url)
    yield (web, make_bus(web)), (worker, make_bus(worker))
    await web.dispose()
    await worker.dispose()


async def _next(stream, timeout=5.0):
    return await asyncio.wait_for(stream.__anext__(), timeout)


async def _subscribed(bus, workspace_id):
    stream = bus.subscribe(workspace_id).__aiter__()
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.3)  # the generator has joined and its process LISTENs
    return stream, first


async def test_event_committed_in_one_process_reaches_a_subscriber_in_another(two_processes):
    (_, web_bus), (worker_db, _) = two_processes
    stream, first = await _subscribed(web_bus, 7)
    try:
        async with worker_db.session() as s:
            emit(s, ConversationRead(workspace_id=7, conversation_id=1))
            emit(s, ConversationRead(workspace_id=8, conversation_id=99))  # another workspace
            emit(s, MessageUpdated(workspace_id=7, conversation_id=1, message_id=1, direction="in", status="received"))
        read = await asyncio.wait_for(first, 20)
        updated = await _next(stream)
        assert read["type"] == "conversation.read" and updated["type"] == "message.updated"
        assert read["id"] + 2 == updated["id"]  # stored together, in emit order
    finally:
        await stream.aclose()


async def test_rolled_back_events_are_never_seen(two_processes):
    (_, web_bus), (worker_db, _) = two_processes
    stream, first = await _subscribed(web_bus, 7)
    try:
        with pytest.raises(RuntimeError):
            async with worker_db.session() as s:
                emit(s, ConversationRead(workspace_id=7, conversation_id=1))
                raise RuntimeError("rolled back")
        async with worker_db.session() as s:
            emit(s, ConversationRead(workspace_id=7, conversation_id=2))
        assert (await asyncio.wait_for(first, 20))["conversation_id"] == 2
    finally:
        await stream.aclose()


async def test_a_big_transaction_arrives_whole_and_in_order(two_processes):
    (_, web_bus), (worker_db, _) = two_processes
    stream, first = await _subscribed(web_bus, 7)
    try:
        async with worker_db.session() as s:  # ~60 kB of events: many NOTIFY payloads
            for i in range(800):
                emit(s, ConversationRead(workspace_id=7, conversation_id=i))
        got = [(await asyncio.wait_for(first, 20))["conversation_id"]]
        got += [(await _next(stream))["conversation_id"] for _ in range(799)]
        assert got == list(range(800))
    finally:
        await stream.aclose()


async def test_the_listen_connection_is_held_only_while_someone_subscribes(two_processes):
    (_, web_bus), _ = two_processes
    stream, first = await _subscribed(web_bus, 7)
    assert web_bus._listener.running
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    await stream.aclose()
    assert not web_bus._listener.running
