"""Shared fixtures: a temporary database, the fake clock, and a full in-process stack
(chatdesk app + job worker + the real sandbox, talking HTTP to each other over ASGI)."""
from __future__ import annotations

import asyncio
import os
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chatdesk.channels.meta.signature import sign
from chatdesk.core.settings import Settings
from tests.fakes.clock import FakeClock
from tests.fakes.transport import HostRouter

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "test-app-secret"
ACCESS_TOKEN = "test-access-token"
VERIFY_TOKEN = "test-verify-token"
PHONE_ID = "109876543210987"  # the conformance payloads' business number
DISPLAY = "15550001111"
WABA = "102938475610293"
# A test client's read timeout. A loaded CI machine can stall a request for seconds (httpx's
# default of 5 s failed CI twice); a test waits for an answer, it never times the server.
CLIENT_TIMEOUT = 30.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default=os.environ.get("CHATDESK_TEST_DB", "sqlite"),
                     help="sqlite (default) or a postgresql+asyncpg:// URL of a server to test on")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test (dropped after it on PostgreSQL)."""
    choice = request.config.getoption("--db")
    if choice == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'chatdesk.db'}"
        return
    from tests.pg import drop_database, fresh_database
    url = fresh_database(choice, request.node.name)
    yield url
    drop_database(choice, url)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    from chatdesk.core.migrate import upgrade

    # the operator points the Graph API at the sandbox (channels connected in the browser use it)
    s = Settings(data_dir=tmp_path / "data", database_url=db_url, secret_key="test-secret-key-0123456789abcdefghij",
                 graph_url="http://sandbox.test")
    s.ensure_data_dir()
    upgrade(s.db_url)
    return s


def payload(name: str, kind: str = "whatsapp") -> bytes:
    return (PAYLOADS / kind / name).read_bytes()


async def settle(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.02) -> Any:
    """Wait until ``await predicate()`` (or ``predicate()``) is truthy; fail after ``timeout``
    (generous: it returns as soon as the condition holds, and a loaded CI machine stalls)."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


class Stack:
    """chatdesk + worker + sandbox in one event loop, wired by host name over ASGI."""

    def __init__(self, settings: Settings, clock: FakeClock, *, sandbox: bool = True, worker: bool = True,
                 sandbox_options: dict[str, Any] | None = None, rate_limit: float = 80.0,
                 share_clock: bool = True):
        self.settings, self.clock = settings, clock
        self.with_sandbox, self.with_worker = sandbox, worker
        self.sandbox_options = sandbox_options or {}
        self.rate_limit = rate_limit
        self.share_clock = share_clock  # the sandbox's window moves with the fake clock

    async def start(self) -> Stack:
        from chatdesk.app import build_runtime, create_app

        self.router = HostRouter()
        self.http = httpx.AsyncClient(transport=self.router, timeout=10)
        self.rt = build_runtime(self.settings, http=self.http, clock=self.clock)
        self.app = create_app(runtime=self.rt, run_worker=False)
        self.router.mount("chatdesk.test", self.app)
        await self._seed()  # first: the sandbox's verify handshake needs the channel's token
        if self.with_sandbox:
            await self._start_sandbox()
        self.api = httpx.AsyncClient(transport=self.router, base_url="http://chatdesk.test", timeout=CLIENT_TIMEOUT,
                                     headers={"Authorization": f"Bearer {self.token}"})
        self.worker = self.app.state.worker
        self.worker_task = asyncio.create_task(self.worker.run()) if self.with_worker else None
        return self

    async def _start_sandbox(self) -> None:
        from chatdesk.sandbox.app import create_app as create_sandbox
        from chatdesk.sandbox.config import SandboxConfig, SandboxNumber

        options = {"status_delays": (0.01, 0.02, 0.03), "webhook_retry": (0.05, 0.1, 0.2, 0.4), "seed": 7,
                   **self.sandbox_options}
        config = SandboxConfig(webhook_url="http://chatdesk.test/webhooks/whatsapp", app_secret=APP_SECRET,
                               verify_token=VERIFY_TOKEN, numbers=[SandboxNumber(PHONE_ID, DISPLAY, WABA, ACCESS_TOKEN,
                                                      options.pop("rate_limit_mps", 80.0))], **options)
        self.sandbox_app = create_sandbox(config, webhook_client=self.http,
                                          clock=self.clock.now if self.share_clock else None)
        self.router.mount("sandbox.test", self.sandbox_app)
        await self.sandbox_app.state.sandbox.start()
        self.sandbox = httpx.AsyncClient(transport=self.router, base_url="http://sandbox.test", timeout=CLIENT_TIMEOUT)

    async def _seed(self) -> None:
        from chatdesk.accounts import service as accounts
        from chatdesk.channels import service as channels

        async with self.rt.db.session() as session:
            ws = await accounts.create_workspace(session, "Test Shop", now=self.clock.now())
            self.workspace_id = ws.id
            self.token = await accounts.create_token(session, ws, now=self.clock.now())
            channel = await channels.add_channel(
                session, self.rt.cipher, workspace_id=ws.id, kind="whatsapp", external_id=PHONE_ID,
                display=DISPLAY, config={"waba_id": WABA, "graph_url": "http://sandbox.test"},
                secrets={"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN},
                now=self.clock.now(), rate_limit_mps=self.rate_limit)
            self.channel_id = channel.id

    async def stop(self) -> None:
        """Stop the worker, the sandbox, the clients and the database, within a minute: a step
        that hangs fails the test that ran (naming the step) instead of holding the whole run."""
        self.stop_step = "starting to stop"
        task = asyncio.create_task(self._stop())
        done, _ = await asyncio.wait({task}, timeout=60)
        if not done:
            task.cancel()
            raise AssertionError(f"the stack did not stop within 60 s (at: {self.stop_step})")
        task.result()

    async def _stop(self) -> None:
        if self.worker_task:
            self.stop_step = "the worker finishing its running jobs"
            self.worker.stop()
            # the worker lets running jobs finish; one still waiting (on a rate limit, say) when a
            # test ends is cancelled after a while rather than holding the whole run
            done, _ = await asyncio.wait({self.worker_task}, timeout=30)
            if not done:
                self.worker_task.cancel()
                await asyncio.wait({self.worker_task})
        if self.with_sandbox:
            self.stop_step = "the sandbox stopping"
            # Known: on PostgreSQL the sandbox's stop can wait forever on a webhook delivery it
            # cancelled mid-request (seen in 1 of ~3 runs of test_outbound; cause not found yet).
            # Bounded here so the run goes on; the warning says when it happened.
            stopping = asyncio.create_task(self.sandbox_app.state.sandbox.stop())
            done, _ = await asyncio.wait({stopping}, timeout=20)
            if not done:
                stopping.cancel()
                warnings.warn("the sandbox did not stop within 20 s; left behind", RuntimeWarning, stacklevel=1)
            await self.sandbox.aclose()
        self.stop_step = "closing the clients and the database"
        await self.api.aclose()
        await self.http.aclose()
        await self.rt.db.dispose()

    # -- Meta's side
    async def webhook(self, raw: bytes, *, secret: str = APP_SECRET, signature: str | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json",
                   "X-Hub-Signature-256": signature if signature is not None else sign(raw, secret)}
        return await self.api.post("/webhooks/whatsapp", content=raw, headers=headers)

    async def customer_says(self, wa_id: str, **message: Any) -> dict[str, Any]:
        """A sandbox customer sends a message (through the sandbox's control API)."""
        resp = await self.sandbox.post(f"/_sandbox/customers/{wa_id}/messages", json=message)
        assert resp.status_code == 200, resp.text
        return resp.json()

    async def inbox_of(self, wa_id: str) -> list[dict[str, Any]]:
        resp = await self.sandbox.get(f"/_sandbox/customers/{wa_id}/inbox")
        assert resp.status_code == 200, resp.text
        return resp.json()["received"]

    async def sent_requests(self) -> list[dict[str, Any]]:
        """Every outbound request the sandbox accepted."""
        return (await self.sandbox.get("/_sandbox/sent")).json()["sent"]

    # -- REST
    async def conversations(self, **params: Any) -> list[dict[str, Any]]:
        resp = await self.api.get("/api/v1/conversations", params=params)
        assert resp.status_code == 200, resp.text
        return resp.json()["items"]

    async def messages(self, conversation_id: int) -> list[dict[str, Any]]:
        resp = await self.api.get(f"/api/v1/conversations/{conversation_id}/messages", params={"per_page": 100})
        assert resp.status_code == 200, resp.text
        return resp.json()["items"]

    async def drain(self) -> None:
        """Let the worker finish everything that is due now."""
        await self.worker.drain()


@pytest.fixture
async def stack(settings: Settings, clock: FakeClock) -> AsyncIterator[Stack]:
    s = await Stack(settings, clock).start()
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture
async def bare(settings: Settings, clock: FakeClock) -> AsyncIterator[Stack]:
    """chatdesk alone (no sandbox, no background worker): webhooks are driven by the test."""
    s = await Stack(settings, clock, sandbox=False, worker=False).start()
    try:
        yield s
    finally:
        await s.stop()
