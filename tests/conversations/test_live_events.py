"""The live stream (``GET /api/v1/events``) over real HTTP: every stored event carries its id; a
client that reconnects with ``Last-Event-ID`` gets exactly what it missed, in order, then the
live ones; another workspace's events never appear; a slow reader loses nothing."""
from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from chatdesk.conversations import live
from chatdesk.conversations.events import ConversationRead
from chatdesk.core.events import LocalBus, emit
from tests.conftest import Stack
from tests.loopback import served_on_loopback


@pytest.fixture
async def served(stack: Stack) -> AsyncIterator[str]:
    """The stack's chatdesk app behind a real HTTP server on loopback."""
    async with served_on_loopback(stack.app) as url:
        yield url


class SSE:
    """An SSE client reading in the background into a queue of records (``id``, ``event``,
    ``data``); a bare ``id:`` block is a record without an event."""

    def __init__(self, url: str, token: str, *, last_event_id: int | None = None, in_query: bool = False):
        headers = {"Authorization": f"Bearer {token}"}
        params = {}
        if last_event_id is not None and in_query:
            params["last_event_id"] = str(last_event_id)
        elif last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.request = (f"{url}/api/v1/events", headers, params)
        self.records: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.connected = asyncio.Event()

    async def __aenter__(self) -> SSE:
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.connected.wait(), 20)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def _read(self) -> None:
        url, headers, params = self.request
        async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client, \
                client.stream("GET", url, headers=headers, params=params) as resp:
            assert resp.status_code == 200
            record: dict[str, Any] = {}
            async for line in resp.aiter_lines():
                if line == ": connected":
                    self.connected.set()
                elif line.startswith(":"):
                    continue
                elif line:
                    field, _, value = line.partition(": ")
                    record[field] = json.loads(value) if field == "data" else value
                elif record:
                    await self.records.put(record)
                    record = {}

    async def next(self, timeout: float = 20.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.records.get(), timeout)

    async def events(self, n: int) -> list[dict[str, Any]]:
        return [await self.next() for _ in range(n)]

    async def nothing_more(self, wait: float = 0.3) -> bool:
        await asyncio.sleep(wait)
        return self.records.empty()


async def _emit_reads(stack: Stack, conversation_ids: list[int], workspace_id: int | None = None) -> None:
    """One committed transaction per event."""
    for cid in conversation_ids:
        async with stack.rt.db.session() as s:
            emit(s, ConversationRead(workspace_id=workspace_id or stack.workspace_id, conversation_id=cid))


async def _second_workspace(stack: Stack) -> tuple[int, str]:
    from chatdesk.accounts import service as accounts

    async with stack.rt.db.session() as session:
        ws = await accounts.create_workspace(session, "Other Shop", now=stack.clock.now())
        return ws.id, await accounts.create_token(session, ws, now=stack.clock.now())


async def test_every_stored_event_goes_out_with_its_id_and_type(stack, served):
    async with SSE(served, stack.token) as sse:
        await _emit_reads(stack, [1, 2])
        first, second = await sse.events(2)
    assert first["event"] == "conversation.read" and first["data"]["conversation_id"] == 1
    assert int(first["id"]) == first["data"]["id"] and int(second["id"]) > int(first["id"])


@pytest.mark.parametrize("in_query", [False, True], ids=["header", "query"])
async def test_a_client_that_reconnects_gets_exactly_the_events_it_missed_then_live_ones(stack, served, in_query):
    other_ws, _ = await _second_workspace(stack)
    async with SSE(served, stack.token) as sse:
        await _emit_reads(stack, [1, 2, 3])
        seen = await sse.events(3)
    last = int(seen[-1]["id"])
    await _emit_reads(stack, [4, 5, 6, 7, 8])  # missed while away
    await _emit_reads(stack, [900, 901], workspace_id=other_ws)
    async with SSE(served, stack.token, last_event_id=last, in_query=in_query) as sse:
        missed = await sse.events(5)
        await _emit_reads(stack, [9])
        after = await sse.next()
        assert await sse.nothing_more()
    assert [r["data"]["conversation_id"] for r in missed] == [4, 5, 6, 7, 8]
    ids = [int(r["id"]) for r in [*missed, after]]
    assert ids == sorted(ids) and len(set(ids)) == 6 and ids[0] > last
    assert after["data"]["conversation_id"] == 9


async def test_another_workspaces_events_never_appear(stack, served):
    other_ws, other_token = await _second_workspace(stack)
    async with SSE(served, stack.token, last_event_id=0) as mine, \
            SSE(served, other_token, last_event_id=0) as theirs:
        await _emit_reads(stack, [1, 2])
        await _emit_reads(stack, [7], workspace_id=other_ws)
        assert [r["data"]["conversation_id"] for r in await mine.events(2)] == [1, 2]
        assert [r["data"]["conversation_id"] for r in await theirs.events(1)] == [7]
        assert await mine.nothing_more() and await theirs.nothing_more(0)


async def test_a_backlog_over_the_cap_resyncs_instead_of_replaying(stack, served, monkeypatch):
    monkeypatch.setattr(live, "BACKLOG_CAP", 3)
    async with SSE(served, stack.token) as sse:
        await _emit_reads(stack, [1])
        last = int((await sse.next())["id"])
    await _emit_reads(stack, [2, 3, 4, 5])
    async with SSE(served, stack.token, last_event_id=last) as sse:
        resync, cursor = await sse.events(2)
        await _emit_reads(stack, [6])
        after = await sse.next()
    assert resync["event"] == "stream.resync" and "id" not in resync
    assert "event" not in cursor and int(cursor["id"]) > last  # the client's Last-Event-ID moves on
    assert after["data"]["conversation_id"] == 6 and int(after["id"]) > int(cursor["id"])


async def test_a_customers_message_arrives_as_typed_events(stack, served):
    async with SSE(served, stack.token) as sse:
        await stack.customer_says("31600000001", type="text", text="Hallo")
        records = await sse.events(3)
    assert [r["event"] for r in records] == ["contact.created", "conversation.created", "message.received"]
    received = records[-1]["data"]
    assert received["direction"] == "in" and received["status"] == "received" and "text" not in received
    (conv,) = await stack.conversations()
    assert received["conversation_id"] == conv["id"] == records[1]["data"]["conversation_id"]


class _Request:
    """What ``live.stream`` reads of a request."""

    def __init__(self, last_event_id: int | None = None):
        self.headers = {"last-event-id": str(last_event_id)} if last_event_id is not None else {}
        self.query_params: dict[str, str] = {}

    async def is_disconnected(self) -> bool:
        return False


async def test_a_slow_reader_whose_queue_overflows_catches_up_from_the_table(stack):
    if stack.rt.db.is_postgres:
        from chatdesk.core.pg_events import PgBus

        bus: Any = PgBus(stack.rt.db, queue_size=3)
    else:
        bus = LocalBus(queue_size=3)
    bus.attach(stack.rt.db)
    chunks = live.stream(bus, stack.rt.db, stack.workspace_id, _Request(), keepalive=30)
    def data(chunk: str) -> dict[str, Any]:
        return json.loads(chunk.split("data: ", 1)[1])
    try:
        assert await anext(chunks) == ": connected\n\n"
        await _emit_reads(stack, [0])
        assert data(await asyncio.wait_for(anext(chunks), 20))["conversation_id"] == 0
        await _emit_reads(stack, list(range(1, 11)))  # the reader is not reading meanwhile
        await asyncio.sleep(0.3)  # (PostgreSQL: the notifications arrive)
        got = [data(await asyncio.wait_for(anext(chunks), 20)) for _ in range(10)]
    finally:
        await chunks.aclose()
    assert [e["conversation_id"] for e in got] == list(range(1, 11))


async def test_an_event_stored_unheard_arrives_while_ephemeral_events_keep_coming(stack):
    """Another process stored it (this process's bus never hears of it) while agents keep typing
    here: the stream's catch-up is due every ``keepalive`` however busy the live events are."""
    bus = LocalBus()  # not attached to the database: stored events are never announced on it
    chunks = live.stream(bus, stack.rt.db, stack.workspace_id, _Request(), keepalive=0.5)

    async def typing() -> None:
        while True:
            await bus.publish(stack.workspace_id, {"type": "conversation.typing", "conversation_id": 1,
                                                   "user_id": 1, "name": "Ann", "mode": "reply"})
            await asyncio.sleep(0.1)

    typist = asyncio.create_task(typing())
    try:
        assert await anext(chunks) == ": connected\n\n"
        assert "conversation.typing" in await asyncio.wait_for(anext(chunks), 20)  # past the first catch-up
        await _emit_reads(stack, [42])

        async def stored() -> dict[str, Any]:
            while True:
                chunk = await anext(chunks)
                if "data: " in chunk and "conversation.read" in chunk:
                    return json.loads(chunk.split("data: ", 1)[1])
        assert (await asyncio.wait_for(stored(), 20))["conversation_id"] == 42
    finally:
        typist.cancel()
        await chunks.aclose()
