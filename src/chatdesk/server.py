"""Running processes: the web app, a worker alone, the sandbox alone (uvicorn and asyncio)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from types import FrameType
from typing import Any

import uvicorn

from .channels import keycheck
from .core.settings import Settings
from .sandbox.faults import FaultModes


def configure_logging(settings: Settings) -> None:
    from .core.logs import setup

    setup(settings.log_level, settings.log_json)


def log_startup(settings: Settings, role: str) -> None:
    """One line at start-up: what runs, which version, with which settings (secrets masked)."""
    from importlib.metadata import PackageNotFoundError, version

    from .core.logs import masked_settings

    try:
        running = version("chatdesk")
    except PackageNotFoundError:  # run from a source tree that was never installed
        running = "unknown"
    shown = masked_settings(settings.model_dump())
    logging.getLogger("chatdesk.startup").info(
        "chatdesk %s starting %s: %s", running, role, " ".join(f"{k}={v}" for k, v in shown.items()),
        extra={"version": running, "settings": shown})


def serve(settings: Settings, host: str, port: int, *, run_worker: bool = True) -> None:
    """Raises ``DatabaseNotReady`` before listening if the database cannot be used, and
    ``BadSecretKey`` if the secret key cannot open the stored secrets."""
    from .app import create_app
    from .core.migrate import check_ready, upgrade

    configure_logging(settings)
    settings.ensure_data_dir()
    if settings.is_sqlite:
        upgrade(settings.db_url)
    asyncio.run(check_ready(settings.db_url))
    asyncio.run(keycheck.check_secret_key(settings))
    asyncio.run(start_paused_if_set(settings, "chatdesk serve"))
    log_startup(settings, f"web on {host}:{port}")  # after the checks: a refusal stays one line
    app = create_app(settings, run_worker=run_worker)
    # log_config=None: uvicorn's own lines go through chatdesk's handler (JSON when configured)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, log_config=None,
                            timeout_graceful_shutdown=GRACE_SECONDS)
    DrainingServer(config, app.state.runtime.draining).run()


async def start_paused_if_set(settings: Settings, role: str) -> None:
    """``CHATDESK_SENDING_PAUSED=true`` (a restored copy): switch sending off in the database
    before this process starts work; ``chatdesk sending resume`` switches it on again."""
    from .core.clock import SystemClock
    from .core.db import Database
    from .core.sending_pause import start_paused

    if not settings.sending_paused:
        return
    db = Database(settings.db_url)
    try:
        state = await start_paused(db, by=f"{role} on {socket.gethostname()}", now=SystemClock().now())
    finally:
        await db.dispose()
    logging.getLogger("chatdesk.sending").warning(
        "sending is paused (since %s, by %s: %s); 'chatdesk sending resume' resumes it",
        state.at.isoformat() if state.at else "?", state.by, state.reason)


GRACE_SECONDS = 8  # a backstop under systemd's TimeoutStopSec: requests in flight get this long


class DrainingServer(uvicorn.Server):
    """uvicorn that, told to exit (SIGTERM, Ctrl-C), also sets ``draining``: live streams end
    with a retry hint instead of holding the graceful shutdown open forever, while requests in
    flight finish (uvicorn waits for them, up to ``GRACE_SECONDS``)."""

    def __init__(self, config: uvicorn.Config, draining: asyncio.Event):
        super().__init__(config)
        self._draining = draining
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        if self._loop is not None:  # a signal handler runs between bytecodes: hand over to the loop
            self._loop.call_soon_threadsafe(self._draining.set)


def run_worker(settings: Settings, concurrency: int | None, metrics: tuple[str, int] | None = None) -> None:
    """Raises ``DatabaseNotReady`` before starting if the database cannot be used."""
    from .core.migrate import check_ready

    configure_logging(settings)
    asyncio.run(check_ready(settings.db_url))
    asyncio.run(keycheck.check_secret_key(settings))
    asyncio.run(start_paused_if_set(settings, "chatdesk worker"))
    log_startup(settings, "worker")
    asyncio.run(_worker(settings, concurrency, metrics))


async def _worker(settings: Settings, concurrency: int | None, metrics_at: tuple[str, int] | None) -> None:
    from . import models  # noqa: F401  every table, so foreign keys resolve in a worker-only process
    from .app import build_runtime
    from .core.backends import make_wakeup
    from .core.heap import freeze_startup_heap
    from .core.metrics import Metrics
    from .worker import build_worker

    rt = build_runtime(settings)
    metrics = Metrics()
    metrics_server = None
    if metrics_at:  # a worker has no web app: its sends, job timings and the queue get their own endpoint
        from .core.metrics import serve as serve_metrics
        metrics_server = await serve_metrics(metrics, rt.db, rt.clock.now, *metrics_at)
    worker = build_worker(rt, metrics, make_wakeup(rt.db), concurrency=concurrency)
    rt.db.start_maintenance()
    freeze_startup_heap()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    logging.getLogger("chatdesk.worker").info("worker running; Ctrl-C stops it")
    try:
        await worker.run()
    finally:
        if metrics_server is not None:
            metrics_server.close()
        await rt.http.aclose()
        await rt.db.dispose()


def run_sandbox(host: str, port: int, webhook_url: str, app_secret: str, *, customers: int,
                phone_number_id: str | None, display_phone_number: str, waba_id: str,
                access_token: str | None, rate_limit: float = 80.0, verify_token: str | None = None,
                deliver_unverified: bool = False, faults: FaultModes | None = None,
                social: dict[str, Any] | None = None) -> None:
    from .sandbox.app import create_app
    from .sandbox.config import SandboxConfig, SandboxNumber

    numbers = ([SandboxNumber(phone_number_id, display_phone_number, waba_id, access_token, rate_limit)]
               if phone_number_id else [])
    config = SandboxConfig(webhook_url=webhook_url, app_secret=app_secret, numbers=numbers, customers=customers,
                           verify_token=verify_token, deliver_unverified=deliver_unverified,
                           faults=faults or FaultModes(), **(social or {}))
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", access_log=False)


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to another server in the same process."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield
