"""Fixtures for the sandbox tests: ``make_harness`` builds a started sandbox app whose webhooks go
to an in-process recording receiver; ``h`` is one with the default configuration.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from chatdesk.sandbox.app import create_app
from chatdesk.sandbox.config import SandboxConfig, SandboxNumber
from tests.sandbox.sandbox_helpers import (
    DISPLAY,
    PNID,
    SECRET,
    TOKEN,
    VERIFY,
    WABA,
    Clock,
    Harness,
    Receiver,
)

HarnessFactory = Callable[..., Any]


@pytest.fixture
async def make_harness() -> AsyncIterator[HarnessFactory]:
    """Build a started sandbox (config overrides as kwargs); everything is stopped afterwards."""
    opened: list[Harness] = []

    async def build(**overrides: Any) -> Harness:
        receiver = Receiver(SECRET)
        clock = overrides.pop("clock", None) or Clock()
        numbers = overrides.pop("numbers", None)
        if numbers is None:
            numbers = [SandboxNumber(PNID, DISPLAY, WABA, access_token=TOKEN)]
        overrides.setdefault("verify_token", VERIFY)
        overrides.setdefault("status_delays", (0.01, 0.02, 0.03))
        overrides.setdefault("webhook_retry", (0.05, 0.05, 0.05))
        config = SandboxConfig(webhook_url="http://chatdesk.test/webhooks/whatsapp",
                               app_secret=SECRET, numbers=numbers, **overrides)
        hook_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver))
        app = create_app(config, webhook_client=hook_client, clock=clock)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://sandbox.test")
        harness = Harness(app, http, receiver, clock, hook_client)
        opened.append(harness)
        await app.state.sandbox.start()
        return harness

    yield build
    for harness in opened:
        await harness.sandbox.stop()
        await harness.http.aclose()
        await harness.hook_client.aclose()


@pytest.fixture
async def h(make_harness: HarnessFactory) -> Harness:
    return await make_harness()


@pytest.fixture
async def hs(make_harness: HarnessFactory) -> Harness:
    """A sandbox whose Messenger and Instagram webhooks go to the receiver too."""
    return await make_harness(messenger_webhook_url="http://chatdesk.test/webhooks/messenger",
                              instagram_webhook_url="http://chatdesk.test/webhooks/instagram")
