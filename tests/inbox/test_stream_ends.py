"""Issue 12, defect 9: an open live stream ends once its API token is deleted or its browser
session signed out, instead of delivering for as long as the connection lasts."""
from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import delete

from chatdesk.accounts.models import ApiToken
from chatdesk.conversations import live
from chatdesk.core.crypto import token_hash
from tests.conversations.test_live_events import served  # noqa: F401  (a fixture)


async def _stream_until_closed(client: httpx.AsyncClient, url: str, connected: asyncio.Event, **kw) -> str:
    async with client.stream("GET", url, **kw) as resp:
        assert resp.status_code == 200
        async for line in resp.aiter_lines():
            if line == ": connected":
                connected.set()
    return "closed"


async def test_deleting_the_api_token_ends_its_stream(stack, served, monkeypatch):  # noqa: F811
    monkeypatch.setattr(live, "KEEPALIVE", 0.2)
    connected = asyncio.Event()
    async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client:
        reading = asyncio.create_task(_stream_until_closed(
            client, f"{served}/api/v1/events", connected, headers={"Authorization": f"Bearer {stack.token}"}))
        await asyncio.wait_for(connected.wait(), 20)
        await asyncio.sleep(0.5)
        assert not reading.done()  # a good token keeps its stream through keepalives
        async with stack.rt.db.session() as session:
            await session.execute(delete(ApiToken).where(ApiToken.token_hash == token_hash(stack.token)))
        assert await asyncio.wait_for(reading, 20) == "closed"


async def test_signing_out_ends_the_inbox_stream(stack, served, owner, monkeypatch):  # noqa: F811
    monkeypatch.setattr(live, "KEEPALIVE", 0.2)
    connected = asyncio.Event()
    cookie = "; ".join(f"{c.name}={c.value}" for c in owner.client.cookies.jar)  # set for chatdesk.test
    async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client:
        reading = asyncio.create_task(_stream_until_closed(client, f"{served}/w/test-shop/events", connected,
                                                           headers={"Cookie": cookie}))
        await asyncio.wait_for(connected.wait(), 20)
        await asyncio.sleep(0.5)
        assert not reading.done()
        assert (await owner.post("/logout")).status_code in (204, 303)
        assert await asyncio.wait_for(reading, 20) == "closed"
