"""The visitor's live stream over real HTTP (httpx's ASGI transport buffers whole responses):
replies arrive, and a reply written where this process hears no notice of it (another process
on the embedded database) still arrives by the stream's regular re-read, however busy the
workspace's live events keep the stream."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from chatdesk.conversations.models import Message
from chatdesk.core.states import EventType
from chatdesk.widget import api as widget_api
from tests.conftest import Stack
from tests.loopback import served_on_loopback
from tests.widget.conftest import KEY, SITE, Widget


@pytest.fixture
async def served(webchat: Stack) -> AsyncIterator[str]:
    async with served_on_loopback(webchat.app) as url:
        yield url


async def read_stream(url: str, token: str, into: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None)) as http, http.stream(
            "GET", f"{url}/widget/{KEY}/stream", params={"token": token}, headers={"Origin": SITE}) as resp:
        assert resp.status_code == 200
        event = "message"
        async for line in resp.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                await into.put((event, json.loads(line[6:])))
                event = "message"


async def next_of(q: asyncio.Queue[tuple[str, dict[str, Any]]], kind: str, within: float) -> dict[str, Any]:
    async def wait() -> dict[str, Any]:
        while True:
            event, data = await q.get()
            if event == kind:
                return data
    return await asyncio.wait_for(wait(), within)


async def test_a_reply_nobody_announced_arrives_while_agents_keep_typing(webchat, visitor: Widget, served,
                                                                          monkeypatch):
    monkeypatch.setattr(widget_api, "POLL", 0.5)  # the re-read's period, shortened for the test
    await visitor.start(name="Vera")
    assert (await visitor.say("Is my parcel on its way?")).status_code in (200, 201, 202)
    received: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    reader = asyncio.create_task(read_stream(served, str(visitor.token), received))
    try:
        first = await next_of(received, "message", 10)
        assert first["text"] == "Is my parcel on its way?"
        async with webchat.rt.db.session() as session:
            asked = await session.get(Message, first["id"])
            assert asked is not None
            now = webchat.clock.now()
            session.add(Message(workspace_id=asked.workspace_id, conversation_id=asked.conversation_id,
                                channel_id=asked.channel_id, direction="out", author_type="agent", type="text",
                                text="It left the warehouse this morning.",
                                content={"type": "text", "body": "It left the warehouse this morning."},
                                provider_message_id="wc-out-unannounced", status="sent", created_at=now,
                                updated_at=now))
            conversation_id = asked.conversation_id

        async def agents_typing() -> None:  # live events far more often than the re-read's period
            while True:
                await webchat.rt.bus.publish(webchat.workspace_id, {
                    "type": EventType.TYPING.value, "conversation_id": conversation_id, "user_id": 1,
                    "name": "Ann", "mode": "reply"})
                await asyncio.sleep(0.1)

        typist = asyncio.create_task(agents_typing())
        try:
            assert (await next_of(received, "typing", 10)) == {}
            reply = await next_of(received, "message", 10)
        finally:
            typist.cancel()
        assert reply["text"] == "It left the warehouse this morning."
        assert reply["direction"] == "out"
        async with webchat.rt.db.reader() as session:
            ids = (await session.execute(select(Message.id).where(
                Message.conversation_id == conversation_id).order_by(Message.id))).scalars().all()
        assert reply["id"] == ids[-1]
    finally:
        reader.cancel()
