"""Helpers the benchmarks share: a scratch database, counting rows, percentiles."""
from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from chatdesk.core.pg_listen import asyncpg_dsn


@contextmanager
def scratch_database(server_url: str | None, name: str) -> Iterator[str]:
    """SQLite in a temp dir (``None``), or a fresh database on the given PostgreSQL server,
    dropped afterwards, so benchmark runs never see each other's rows."""
    if not server_url:
        yield f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='chatdesk-bench-')) / 'chatdesk.db'}"
        return
    from tests.pg import drop_database, fresh_database

    url = fresh_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, url)


async def count_messages(url: str) -> int:
    return await scalar(url, "SELECT count(*) FROM messages")


async def scalar(url: str, query: str) -> int:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute(query).fetchone()[0]
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for webhooks.

    httpx costs about 2 ms of CPU per request, so on a 2-core machine it, not the server,
    would be what the benchmark measures; this costs some 50 µs.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
                   f"{head}\r\n").encode() + body
        for _ in range(2):  # the server may have closed an idle keep-alive connection: reopen once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.writer.write(request)
            status_line = await self.reader.readline()
            if status_line:
                break
            await self.close()
        else:
            raise ConnectionError("the server closed the connection twice")
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            await self.close()
        return int(status_line.split()[1])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


class Pool:
    """``size`` connections to one base URL, handed out one request at a time."""

    def __init__(self, base_url: str, size: int):
        host, _, port = base_url.split("://", 1)[1].partition(":")
        self.idle: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(size):
            self.idle.put_nowait(Connection(host, int(port or 80)))

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        conn = await self.idle.get()
        try:
            return await conn.post(path, body, headers)
        except BaseException:
            await conn.close()
            raise
        finally:
            self.idle.put_nowait(conn)

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()
