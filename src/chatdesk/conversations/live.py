"""Live updates as Server-Sent Events: ``GET /api/v1/events`` streams the workspace's events.

The stream is the first consumer of the durable domain events (``core/events.py``), read by
cursor. Every stored event goes out as ``id: <event id>``, ``event: <type>`` and one ``data:``
line of JSON; a client that reconnects with ``Last-Event-ID`` (the header EventSource sends, or
``?last_event_id=`` for clients that cannot set headers) gets every event of its workspace it
missed, in order, once, then the live ones. How: subscribe to the live bus first, then read the
backlog from the table, then pass on only live events newer than the last one sent. A live
queue that overflowed (a slow client), a lost LISTEN connection and a quiet keep-alive period
all lead back to the table from the cursor, so no stored event is lost on the way.

A backlog over ``BACKLOG_CAP`` events is not replayed: the client gets ``stream.resync``
(refetch what you show) and the cursor jumps to the newest event. Ephemeral events (typing,
``stream.resync``) go out without an id line. A comment line every 15 s keeps proxies from
closing an idle stream. The inbox's browser stream reuses ``stream()`` with session auth.

When the process is told to stop (``Runtime.draining``, set on SIGTERM) every stream ends with
a ``retry:`` hint: the client reconnects at once, through the load balancer to a process that
stays, and resumes from its Last-Event-ID; the stopping server is not held open by streams.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from ..accounts.deps import api_workspace, bearer_token
from ..accounts.service import workspace_for_token
from ..core.db import Database
from ..core.events import CATCH_UP, EventBus, latest_id, read_after
from ..core.runtime import Runtime, use_runtime

router = APIRouter(prefix="/api/v1", tags=["live"])
KEEPALIVE = 15.0
RETRY_MS = 500  # how soon a client whose stream ended at shutdown reconnects
BACKLOG_CAP = 10_000
RESYNC = "stream.resync"


def requested_cursor(request: Request) -> int | None:
    """The id of the last event the client saw, if it says (header first, then the query)."""
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    try:
        value = int(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value < 2**63 else None  # beyond 64 bits: no such event


def sse(ev: dict[str, Any]) -> str:
    """One SSE message: with an id line when the event is stored, without when ephemeral."""
    head = f"id: {ev['id']}\n" if "id" in ev else ""
    return f"{head}event: {ev.get('type', 'message')}\ndata: {json.dumps(ev)}\n\n"


class Cursor:
    """Where one stream is in its workspace's events, and the reads that move it on."""

    def __init__(self, db: Database, workspace_id: int, cap: int):
        self.db, self.workspace_id, self.cap = db, workspace_id, cap
        self.last = 0

    async def start(self, requested: int | None) -> list[str]:
        """Place the cursor (before subscribing): at the client's last event, or, for a new
        client, at the newest event. A cursor beyond the newest (another database) resyncs."""
        async with self.db.reader() as session:
            newest = await latest_id(session, self.workspace_id)
        if requested is None or requested <= newest:
            self.last = newest if requested is None else requested
            return []
        return self._resync(newest)

    async def catch_up(self) -> list[str]:
        """Everything stored after the cursor, up to the cap."""
        async with self.db.reader() as session:
            found = await read_after(session, self.workspace_id, self.last, self.cap + 1)
            if len(found) > self.cap:
                return self._resync(await latest_id(session, self.workspace_id))
        if found:
            self.last = found[-1]["id"]
        return [sse(ev) for ev in found]

    def accept(self, ev: dict[str, Any]) -> list[str]:
        """A live event: stored ones only when newer than the last one sent."""
        if "id" not in ev:
            return [sse(ev)]
        if ev["id"] <= self.last:
            return []
        self.last = ev["id"]
        return [sse(ev)]

    def _resync(self, newest: int) -> list[str]:
        # A bare id line moves the client's Last-Event-ID on without dispatching an event.
        self.last = newest
        return [sse({"type": RESYNC}), f"id: {newest}\n\n"]


Allowed = Callable[[], Awaitable[bool]]


async def stream(bus: EventBus, db: Database, workspace_id: int, request: Request,
                 keepalive: float = KEEPALIVE, cap: int = BACKLOG_CAP,
                 allowed: Allowed | None = None, draining: asyncio.Event | None = None) -> AsyncIterator[str]:
    """The stream's chunks. ``allowed`` (is the token or session still good?) is asked again at
    least every ``keepalive`` seconds: a revoked token or a signed-out session ends the stream.
    ``draining`` set ends it with a ``retry:`` hint (the process is shutting down)."""
    draining = draining or asyncio.Event()
    cursor = Cursor(db, workspace_id, cap)
    first = await cursor.start(requested_cursor(request))
    checked = caught_up = time.monotonic()
    async with bus.subscription(workspace_id) as live:
        yield ": connected\n\n"
        for chunk in first + await cursor.catch_up():
            yield chunk
        while not await request.is_disconnected():
            # the catch-up is due ``keepalive`` after the last, however busy live events keep us
            ev = await _next_event(live.get(), draining, max(0.0, caught_up + keepalive - time.monotonic()))
            if draining.is_set():
                yield f"retry: {RETRY_MS}\n: server shutting down, reconnect\n\n"
                return
            if allowed is not None and (ev is None or time.monotonic() - checked >= keepalive):
                if not await allowed():
                    return
                checked = time.monotonic()
            if ev is None:
                yield ": keepalive\n\n"
            due = ev is None or time.monotonic() >= caught_up + keepalive
            if due or (ev is not None and ev.get("type") == CATCH_UP):
                chunks = await cursor.catch_up()  # also events stored by processes we hear nothing from
                caught_up = time.monotonic()
                if ev is not None and ev.get("type") != CATCH_UP:
                    chunks += cursor.accept(ev)  # an ephemeral one (stored ones came with the catch-up)
            elif ev is not None:
                chunks = cursor.accept(ev)
            for chunk in chunks:
                yield chunk


async def _next_event(get: Awaitable[dict[str, Any]], draining: asyncio.Event,
                      timeout: float) -> dict[str, Any] | None:
    """The next live event, or None after ``timeout`` or once ``draining`` is set."""
    got, stop = asyncio.ensure_future(get), asyncio.ensure_future(draining.wait())
    try:
        await asyncio.wait({got, stop}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        got.cancel()  # no-op once done; a queue keeps an item whose getter was cancelled
    return got.result() if got.done() and not got.cancelled() else None


def event_stream(rt: Runtime, workspace_id: int, request: Request,
                 allowed: Allowed | None = None) -> StreamingResponse:
    """The SSE response for a workspace (the REST API's and the inbox's)."""
    chunks = stream(rt.bus, rt.db, workspace_id, request, keepalive=KEEPALIVE, cap=BACKLOG_CAP, allowed=allowed,
                    draining=rt.draining)
    return StreamingResponse(chunks, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/events", response_class=StreamingResponse)
async def events(request: Request, ws: Annotated[int, Depends(api_workspace)],
                 rt: Annotated[Runtime, Depends(use_runtime)]) -> StreamingResponse:
    """The workspace's events (message.*, conversation.*, contact.*), resumable with Last-Event-ID."""
    token = bearer_token(request)

    async def allowed() -> bool:  # a deleted token ends the stream it opened
        async with rt.db.reader() as session:
            return token is not None and await workspace_for_token(session, token) == ws
    return event_stream(rt, ws, request, allowed)
