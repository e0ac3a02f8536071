"""A stack with a web chat channel (no sandbox: web chat talks to no provider)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from chatdesk.channels.webchat.settings import WebchatSettings
from chatdesk.core.settings import Settings
from tests.conftest import Stack
from tests.fakes.clock import FakeClock

SITE = "https://shop.example"
KEY = "wc_testkey12345"
SECRET = "s3cret-widget-key-for-tests-only"


class Widget:
    """A visitor's browser on ``SITE``, speaking to the visitor API."""

    def __init__(self, stack: Stack, origin: str = SITE, key: str = KEY):
        self.stack, self.origin, self.key = stack, origin, key
        self.token: str | None = None
        self.http = httpx.AsyncClient(transport=stack.router, base_url="http://chatdesk.test", timeout=30,
                                      headers={"Origin": origin})

    def headers(self) -> dict[str, str]:
        return {"X-Visitor-Token": self.token} if self.token else {}

    async def start(self, **body: Any) -> httpx.Response:
        resp = await self.http.post(f"/widget/{self.key}/session", json={"token": self.token, **body})
        if resp.status_code == 200:
            self.token = resp.json()["token"]
        return resp

    async def say(self, text: str, **extra: Any) -> httpx.Response:
        return await self.http.post(f"/widget/{self.key}/messages", json={"text": text, **extra},
                                    headers=self.headers())

    async def history(self) -> list[dict[str, Any]]:
        resp = await self.http.get(f"/widget/{self.key}/messages", headers=self.headers())
        assert resp.status_code == 200, resp.text
        return resp.json()["items"]


async def add_webchat(stack: Stack, key: str = KEY, origins: tuple[str, ...] = (SITE,)) -> int:
    from chatdesk.channels import service as channels

    row = WebchatSettings.from_values({"name": "Shop site", "allowed_origin": list(origins), "public_key": key,
                                       "widget_secret": SECRET}).to_row()
    async with stack.rt.db.session() as session:
        channel = await channels.add_channel(
            session, stack.rt.cipher, workspace_id=stack.workspace_id, kind="webchat", external_id=row.external_id,
            display=row.display, config=row.config, secrets=row.secrets, now=stack.clock.now())
        return channel.id


@pytest.fixture
async def webchat(settings: Settings, clock: FakeClock) -> AsyncIterator[Stack]:
    s = await Stack(settings, clock, sandbox=False).start()
    s.webchat_id = await add_webchat(s)  # type: ignore[attr-defined]
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture
async def visitor(webchat: Stack) -> AsyncIterator[Widget]:
    w = Widget(webchat)
    try:
        yield w
    finally:
        await w.http.aclose()
