"""Live events to agents' browsers: published after the transaction that caused them commits.

Embedded: an in-process broker. Scale-out: PostgreSQL LISTEN/NOTIFY carries the same events
between processes (see ``pg_events``), so any web process can serve any agent.
Events are small dicts: ``{"type": "message.created", "conversation_id": 1, ...}``, scoped by
workspace; a subscriber only ever sees its own workspace's events.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from .db import Database

EVENTS_KEY = "chatdesk.events.pending"


def emit(session: AsyncSession, workspace_id: int, event: dict[str, Any]) -> None:
    """Queue a live event on the caller's transaction; it is published only if it commits."""
    session.sync_session.info.setdefault(EVENTS_KEY, []).append((workspace_id, event))


class EventBus(Protocol):
    async def publish(self, workspace_id: int, event: dict[str, Any]) -> None: ...
    def subscribe(self, workspace_id: int) -> AsyncIterator[dict[str, Any]]: ...


class LocalBus:
    """In-process fan-out. Slow subscribers lose old events rather than slowing publishers."""

    def __init__(self, queue_size: int = 1000):
        self._subs: dict[int, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._queue_size = queue_size

    def attach(self, db: Database) -> None:
        """Publish the events a committed session queued."""
        def _on_commit(session: Any) -> None:
            for workspace_id, event in session.info.pop(EVENTS_KEY, []):
                self.deliver(workspace_id, event)
        db.on_commit(_on_commit)

    def deliver(self, workspace_id: int, event: dict[str, Any]) -> None:
        for queue in list(self._subs.get(workspace_id, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    async def publish(self, workspace_id: int, event: dict[str, Any]) -> None:
        self.deliver(workspace_id, event)

    def subscribe(self, workspace_id: int) -> AsyncIterator[dict[str, Any]]:
        """Events from now on. The subscription starts when this is called, not when it is
        first iterated, so nothing published in between is missed."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        self._subs.setdefault(workspace_id, set()).add(queue)
        return self._drain(workspace_id, queue)

    async def _drain(self, workspace_id: int, queue: asyncio.Queue[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield await queue.get()
        finally:
            self._subs[workspace_id].discard(queue)
