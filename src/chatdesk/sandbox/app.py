"""``create_app``: the sandbox as an ASGI app (Graph API + control API + phone page).

The app's lifespan starts and stops the ``Sandbox`` runtime (``app.state.sandbox``), so
``uvicorn.run(create_app(cfg))`` just works; in-process tests that skip lifespan call
``await app.state.sandbox.start()`` / ``stop()`` themselves.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import httpx
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from . import control, graph, phone, quality, template_listing, template_review
from .config import SandboxConfig
from .errors import GraphAPIError
from .runtime import Sandbox
from .social import control as social_control
from .social import graph as social_graph


def create_app(config: SandboxConfig, *, webhook_client: httpx.AsyncClient | None = None,
               clock: Callable[[], datetime] | None = None) -> FastAPI:
    sandbox = Sandbox(config, webhook_client=webhook_client, clock=clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await sandbox.start()
        try:
            yield
        finally:
            await sandbox.stop()

    app = FastAPI(title="chatdesk sandbox: WhatsApp Cloud API emulator", lifespan=lifespan,
                  docs_url="/_sandbox/docs", redoc_url=None, openapi_url="/_sandbox/openapi.json")
    app.state.sandbox = sandbox
    # Fixed routes first: the Graph router's GET /{version}/{object_id} would match them too.
    app.include_router(control.router)
    app.include_router(quality.router)
    app.include_router(social_control.router)
    app.include_router(social_graph.router)
    app.include_router(phone.router)
    app.mount("/phone/static", StaticFiles(directory=phone.STATIC_DIR), name="phone-static")
    app.include_router(template_listing.router)
    app.include_router(template_review.router)
    app.include_router(template_review.control)
    app.include_router(graph.router)
    app.add_middleware(RememberBaseURL, sandbox=sandbox)
    app.add_exception_handler(HTTPException, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    return app


class RememberBaseURL:
    """Attachment and picture URLs in webhooks point back at the sandbox (social/world.py): a
    plain ASGI wrapper notes the base URL it is reached at, leaving responses untouched."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app, self.sandbox = app, sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.sandbox.social.seen_base_url = str(HTTPConnection(scope).base_url)
        await self.app(scope, receive, send)


OWN_PAGES = ("/_sandbox", "/phone")


async def _not_found(request: Request, exc: HTTPException) -> Response:
    """Outside the sandbox's own pages a path nobody serves is Graph's 2500, not ``{"detail"}``."""
    if exc.status_code in (404, 405) and not request.url.path.startswith(OWN_PAGES):
        return graph.unknown_path_response(request)
    return await http_exception_handler(request, exc)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """A request a Graph path cannot read is Graph's 100 ("Invalid parameter"), never a 422."""
    if request.url.path.startswith(OWN_PAGES):
        return await request_validation_exception_handler(request, exc)
    version = next((part for part in request.url.path.split("/") if part), "")
    return graph.error_response(GraphAPIError(100, "Invalid parameter"), version)
