"""Who may use a widget: the channel its public key names, and the page's origin, which must be
one the channel allows. Answers to allowed origins carry CORS headers (errors too, so the widget
can read them); any other origin gets a 403 and no CORS headers, so a browser hides even that.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from ..channels.service import ChannelRef
from ..channels.webchat.adapter import WebchatAdapter
from ..core.errors import Problem
from ..core.runtime import Runtime, use_runtime
from . import tokens

KIND = WebchatAdapter.kind
ALLOW_HEADERS = "content-type, x-visitor-token, last-event-id"


@dataclass(frozen=True)
class Site:
    channel: ChannelRef
    origin: str

    @property
    def secret(self) -> str:
        return str(self.channel.secrets["widget_secret"])


async def channel_for(rt: Runtime, key: str) -> ChannelRef:
    if not key.startswith("wc_") or len(key) > 64:
        raise Problem(404, "unknown_widget", "No such widget")
    ref = rt.channels.cached(KIND, key)
    if ref is None:
        async with rt.db.reader() as session:
            ref = await rt.channels.by_external(session, KIND, key)
    if ref is None:
        raise Problem(404, "unknown_widget", "No such widget")
    return ref


def origin_allowed(ref: ChannelRef, origin: str | None) -> bool:
    return bool(origin) and origin in ref.config.get("allowed_origins", [])


async def site(key: str, request: Request, rt: Runtime = Depends(use_runtime)) -> Site:
    """The widget's channel, for a request from one of its allowed origins (else 403)."""
    ref = await channel_for(rt, key)
    origin = request.headers.get("origin")
    if not origin_allowed(ref, origin):
        raise Problem(403, "origin_not_allowed", "This site may not use the chat widget")
    request.state.widget_origin = origin
    return Site(ref, str(origin))


def visitor(request: Request, s: Site, token: str | None = None) -> tokens.Visitor:
    """The visitor the request's token names (header, or ``?token=`` for EventSource)."""
    found = tokens.read(s.secret, request.headers.get("x-visitor-token") or token)
    if found is None:
        raise Problem(401, "invalid_visitor_token", "Start a chat session first")
    return found


def cors(response: Response, origin: str) -> Response:
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    return response


def preflight(origin: str) -> Response:
    return cors(Response(status_code=204, headers={
        "Access-Control-Allow-Methods": "GET, POST", "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Max-Age": "600"}), origin)


def problem_response(exc: Problem) -> Response:
    return JSONResponse(exc.body(), status_code=exc.status, media_type="application/problem+json")


class WidgetRoute(APIRoute):
    """Problems answered here, not by the app's handler, so they get the CORS headers too."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handle(request)
            except Problem as exc:
                response = problem_response(exc)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ())[1:])
                response = problem_response(Problem(422, "invalid_request", "The request is not valid",
                                                    f"{where}: {first.get('msg', '')}"))
            origin = getattr(request.state, "widget_origin", None)
            return cors(response, origin) if origin else response
        return route
