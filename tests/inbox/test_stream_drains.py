"""Issue 14, point 3: a process told to stop (``Runtime.draining``, set on SIGTERM) ends the
inbox's live stream and the REST one with a ``retry:`` hint, so browsers reconnect elsewhere
and the server is not held open (the SIGTERM itself: tests/system/test_shutdown.py)."""
from __future__ import annotations

import asyncio

import httpx

from tests.conversations.test_live_events import served  # noqa: F401  (a fixture)


async def _read_until_closed(client: httpx.AsyncClient, url: str, connected: asyncio.Event, **kw) -> list[str]:
    lines = []
    async with client.stream("GET", url, **kw) as resp:
        assert resp.status_code == 200
        async for line in resp.aiter_lines():
            lines.append(line)
            if line == ": connected":
                connected.set()
    return lines


async def _drains(stack, url: str, **kw) -> list[str]:
    connected = asyncio.Event()
    async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client:
        reading = asyncio.create_task(_read_until_closed(client, url, connected, **kw))
        await asyncio.wait_for(connected.wait(), 20)
        await asyncio.sleep(0.2)
        assert not reading.done()
        stack.rt.draining.set()
        return await asyncio.wait_for(reading, 20)


async def test_draining_ends_the_inbox_stream_with_a_retry_hint(stack, served, owner):  # noqa: F811
    cookie = "; ".join(f"{c.name}={c.value}" for c in owner.client.cookies.jar)
    lines = await _drains(stack, f"{served}/w/test-shop/events", headers={"Cookie": cookie})
    assert any(line.startswith("retry: ") for line in lines)


async def test_draining_ends_the_rest_stream_with_a_retry_hint(stack, served):  # noqa: F811
    lines = await _drains(stack, f"{served}/api/v1/events", headers={"Authorization": f"Bearer {stack.token}"})
    assert any(line.startswith("retry: ") for line in lines)
