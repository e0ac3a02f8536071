"""Live updates as Server-Sent Events: ``GET /api/v1/events`` streams the workspace's events.

Each event is one ``data:`` line of JSON. A comment line every 15 s keeps proxies from closing
an idle stream. The inbox's browser stream reuses ``stream()`` with session auth.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from ..accounts.deps import api_workspace
from ..core.events import EventBus
from ..core.runtime import Runtime, use_runtime

router = APIRouter(prefix="/api/v1", tags=["live"])
KEEPALIVE = 15.0


async def stream(bus: EventBus, workspace_id: int, request: Request,
                 keepalive: float = KEEPALIVE) -> AsyncIterator[str]:
    events = bus.subscribe(workspace_id).__aiter__()
    yield ": connected\n\n"
    pending: asyncio.Task | None = None
    try:
        while not await request.is_disconnected():
            pending = pending or asyncio.ensure_future(events.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=keepalive)
            if not done:
                yield ": keepalive\n\n"
                continue
            event, pending = pending.result(), None
            yield f"event: {event.get('type', 'message')}\ndata: {json.dumps(event)}\n\n"
    finally:
        if pending:  # let the cancelled read finish before closing the generator it runs in
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        await events.aclose()


@router.get("/events", response_class=StreamingResponse)
async def events(request: Request, ws: Annotated[int, Depends(api_workspace)],
                 rt: Annotated[Runtime, Depends(use_runtime)]) -> StreamingResponse:
    """The workspace's live events (message.created, message.updated, conversation.*)."""
    return StreamingResponse(stream(rt.bus, ws, request), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
