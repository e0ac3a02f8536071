"""Composition root of the web app: settings → runtime → routers, problem responses, worker."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from .channels import api as channels_api
from .channels import webhooks
from .channels.inbound_store import InboundWriter
from .channels.keycheck import key_problem, newest_secrets
from .channels.registry import build_registry
from .channels.service import ChannelDirectory
from .channels.templates import api as templates_api
from .contacts import api as contacts_api
from .contacts import attributes_api as contact_attributes_api
from .contacts import consent_api
from .conversations import api as conversations_api
from .conversations import cost_api, live, queue_api
from .core import logs, sending_pause
from .core.backends import make_bus, make_limiter, make_wakeup
from .core.bodylimit import BodyLimit
from .core.clock import Clock, SystemClock
from .core.crypto import Cipher
from .core.db import Database
from .core.errors import Problem
from .core.heap import freeze_startup_heap
from .core.metrics import CONTENT_TYPE, Metrics
from .core.migrate import CodeSchema, schema_mismatch
from .core.runtime import Runtime
from .core.settings import Settings
from .inbox import STATIC_PREFIX, static_files
from .inbox import api_router as inbox_api_router
from .inbox import router as inbox_router
from .widget import api as widget_api
from .widget import script as widget_script
from .worker import build_worker

log = logging.getLogger("chatdesk.app")
access_log = logging.getLogger("chatdesk.access")
PROBLEM = "application/problem+json"


def build_runtime(settings: Settings, *, http: httpx.AsyncClient | None = None,
                  clock: Clock | None = None) -> Runtime:
    settings.ensure_data_dir()
    cipher = Cipher(settings.encryption_key())
    db = Database(settings.db_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    bus = make_bus(db)
    http = http or httpx.AsyncClient(timeout=settings.graph_timeout)
    return Runtime(settings=settings, db=db, clock=clock or SystemClock(), cipher=cipher, bus=bus, http=http,
                   registry=build_registry(http, settings), channels=ChannelDirectory(cipher),
                   limiter=make_limiter(db))


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None,
               run_worker: bool = True) -> FastAPI:
    """The chatdesk web app. With ``run_worker`` the job worker runs in this process too."""
    rt = runtime or build_runtime(settings or Settings())
    metrics = Metrics()
    wakeup = make_wakeup(rt.db)
    worker = build_worker(rt, metrics, wakeup)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(worker.run()) if run_worker else None
        rt.db.start_maintenance()
        freeze_startup_heap()
        try:
            yield
        finally:
            if task:
                worker.stop()
                await task
            await rt.http.aclose()
            await rt.db.dispose()

    app = FastAPI(title="chatdesk", version="0.1.0", lifespan=lifespan,
                  description="Customer conversations on WhatsApp, Messenger, Instagram and web chat.")
    app.state.runtime, app.state.metrics, app.state.worker = rt, metrics, worker
    app.state.inbound_writer = InboundWriter(rt.db, rt.clock)
    app.include_router(webhooks.router)
    app.include_router(conversations_api.router)
    app.include_router(queue_api.router)
    app.include_router(cost_api.router)
    app.include_router(contacts_api.router)
    app.include_router(consent_api.router)
    app.include_router(contact_attributes_api.router)
    app.include_router(channels_api.router)
    app.include_router(templates_api.router)
    app.include_router(live.router)
    app.include_router(inbox_api_router)
    app.include_router(inbox_router)
    app.include_router(widget_script.router)
    app.include_router(widget_api.router)
    app.mount(STATIC_PREFIX, static_files(), name="inbox-static")
    _install_problem_handlers(app)
    _install_ops_routes(app, rt, metrics)
    app.add_middleware(BodyLimit, settings=rt.settings)  # inside _Timing: its 413s carry the request id
    app.add_middleware(_Timing, metrics=metrics)
    return app


def _problem(status: int, code: str, title: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse(Problem(status, code, title, detail, **extra).body(), status_code=status, media_type=PROBLEM)


def _install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _on_problem(_: Request, exc: Problem) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, media_type=PROBLEM)

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return _problem(422, "invalid_request", "The request is not valid", errors[0]["msg"] if errors else None,
                        errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _problem(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _on_crash(request: Request, exc: Exception) -> JSONResponse:  # backstop; see _Timing
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _crash_response()


def _crash_response() -> JSONResponse:
    return _problem(500, "internal_error", "Something went wrong on our side",
                    "The error was logged; the request can be retried.")


def _install_ops_routes(app: FastAPI, rt: Runtime, metrics: Metrics) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.state.code_schema = CodeSchema.at()  # the migrations this code knows (tests pose as older code)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        """Ready = the database answers, its schema is the one this code was written for or a
        newer one recorded as still serving it (a rolling upgrade keeps old processes in
        rotation; one started before ``chatdesk db upgrade`` ran must not take traffic) and the
        secret key opens the stored channel secrets."""
        try:
            async with rt.db.reader() as session:
                await session.execute(text("SELECT 1 FROM jobs LIMIT 1"))
                mismatch = await schema_mismatch(session, app.state.code_schema)
        except Exception as exc:  # not ready: database down or never migrated
            return _problem(503, "not_ready", "Not ready", type(exc).__name__)
        if mismatch:
            return _problem(503, "not_migrated", "Not ready: the database schema is not current", mismatch)
        async with rt.db.reader() as session:
            key_trouble = key_problem(rt.cipher, await newest_secrets(session))
        if key_trouble:  # every webhook would answer 500: Meta must not think we are up
            return _problem(503, "bad_secret_key", "Not ready: the secret key cannot open the stored secrets",
                            key_trouble)
        return JSONResponse({"status": "ready", **await _sending(rt)})

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return PlainTextResponse(await metrics.scrape(rt.db, rt.clock.now()), media_type=CONTENT_TYPE)


async def _sending(rt: Runtime) -> dict[str, Any]:
    """For /readyz: a paused process is still ready (webhooks, the inbox), but says so and why."""
    async with rt.db.reader() as session:
        state = await sending_pause.read(session)
    if not state.paused:
        return {}  # the answer stays what it always was
    return {"sending_paused": True, "sending_paused_reason": state.reason, "sending_paused_by": state.by,
            "sending_paused_since": state.at.isoformat() if state.at else None}


class _Timing:
    """Request latency by route template, and the request id: the caller's ``X-Request-ID`` (or
    a new one) is echoed on the response and carried by every log line of the request.
    A pure ASGI middleware: cheap on the hot path."""

    def __init__(self, app: Any, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        rid = logs.accept_request_id(incoming.decode("latin-1"))
        token = logs.request_id.set(rid)
        notes: dict[str, object] = {}
        notes_token = logs.request_notes.set(notes)

        started = False
        status = 0

        async def send_with_id(message: MutableMapping[str, Any]) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here, not by Starlette's outermost handler: this way the log line and the
            # 500 problem still carry the request id, and nothing re-raises into the server's log.
            if started:
                raise
            log.exception("unhandled error on %s %s", scope["method"], scope.get("path", ""))
            await _crash_response()(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            _access_line(scope, status, elapsed, notes)
            logs.request_notes.reset(notes_token)
            logs.request_id.reset(token)
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.metrics.request_latency.labels(scope["method"], path).observe(elapsed)


def _access_line(scope: dict, status: int, elapsed: float, notes: dict[str, object]) -> None:
    """One line per request (404s too), joinable with nginx's on ``request_id``. The path only:
    query strings can hold what customers wrote (search terms)."""
    fields: dict[str, object] = {"method": scope["method"], "path": scope.get("path", ""), "status": status,
                                 "duration_ms": round(elapsed * 1000, 1), **notes}
    slug = scope.get("path_params", {}).get("slug")
    if slug is not None:
        fields["workspace"] = slug
    where = f" workspace={fields['workspace']}" if "workspace" in fields else ""
    where += f" workspace_id={fields['workspace_id']}" if "workspace_id" in fields else ""
    access_log.info("%s %s %s %.1fms%s", fields["method"], fields["path"], status, fields["duration_ms"], where,
                    extra=fields)
