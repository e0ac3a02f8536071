"""PostgreSQL LISTEN on a dedicated connection, kept alive across connection loss.

LISTEN needs a connection of its own for as long as we listen: a pooled SQLAlchemy
connection would be returned (and its registration lost) after each use. So each listener
opens one raw asyncpg connection, and a supervisor task reconnects with backoff when the
server restarts or the connection drops. Notifications sent while it was down are lost
(PostgreSQL keeps none for absent listeners), which is why ``on_reconnect`` exists: callers
use it to resynchronise (workers poll, live streams tell browsers to refetch).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger("chatdesk.pg")

NOTIFY_LIMIT = 7900  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more


def asyncpg_dsn(url: str) -> str:
    """The libpq-style DSN asyncpg wants, from our SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgListener:
    """Calls ``on_notify(payload)`` for every NOTIFY on ``channel`` while started."""

    def __init__(self, url: str, channel: str, on_notify: Callable[[str], None], *,
                 on_reconnect: Callable[[], None] | None = None, retry_max: float = 5.0):
        self.dsn, self.channel = asyncpg_dsn(url), channel
        self.on_notify, self.on_reconnect = on_notify, on_reconnect
        self.retry_max = retry_max
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self, timeout: float = 10.0) -> None:
        """Start listening; returns once the first LISTEN is in place (or after ``timeout``:
        the supervisor keeps trying, callers fall back to polling meanwhile)."""
        if self.running:
            return
        self._ready.clear()
        self._task = asyncio.create_task(self._supervise(), name=f"pg-listen-{self.channel}")
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            log.warning("LISTEN %s not ready after %.0f s; retrying in the background", self.channel, timeout)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _supervise(self) -> None:
        delay, first = 0.1, True
        while True:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("LISTEN %s: cannot connect (%s); retrying in %.1f s", self.channel, exc, delay)
                await asyncio.sleep(delay)
                delay = min(self.retry_max, delay * 2)
                continue
            try:
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())  # this connection's event
                await conn.add_listener(self.channel, self._notified)
                delay = 0.1
                if not first and self.on_reconnect:
                    self.on_reconnect()
                first = False
                self._ready.set()
                await lost.wait()
                log.warning("LISTEN %s: connection lost; reconnecting", self.channel)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("LISTEN %s failed (%s); reconnecting", self.channel, exc)
                await asyncio.sleep(delay)
            finally:
                await self._close_quietly(conn)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            self.on_notify(str(payload))  # a str from asyncpg; its stubs promise only an object
        except Exception:  # a bad payload must not kill the listener
            log.exception("LISTEN %s: handler failed", self.channel)

    @staticmethod
    async def _close_quietly(conn: asyncpg.Connection) -> None:
        if conn.is_closed():
            return
        try:
            await asyncio.wait_for(conn.close(), 2.0)
        except Exception:
            conn.terminate()
