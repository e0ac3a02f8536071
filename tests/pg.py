"""A fresh PostgreSQL database per test, for running the suite on PostgreSQL.

``CREATE DATABASE`` of an empty database costs a few milliseconds; the schema is then laid
down by the conftest's ``upgrade()`` exactly as ``chatdesk db upgrade`` does in production,
so every test on PostgreSQL also exercises the migrations. Databases are named after the
test (``cdt_<pid>_<n>_<name>``) and dropped with ``WITH (FORCE)`` after it, so a failed test
cannot leave connections that block the next one.

PostgreSQL 15's ``WITH (FORCE)`` also tries to terminate an autovacuum worker that happens to
be in the database, and refuses (``InsufficientPrivilegeError``) unless the role may signal
it; ``.ci/run`` grants ``pg_signal_backend``, and the drop is retried for a role without it.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import re
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

T = TypeVar("T")
_counter = itertools.count(1)
PREFIX = "cdt_"


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion even when the caller is inside a running event loop
    (pytest-asyncio may call sync fixtures from one): then a helper thread runs it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            out["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _dsn(url: str, database: str | None = None) -> str:
    """The asyncpg DSN for a SQLAlchemy ``postgresql+asyncpg://`` URL (optionally another database)."""
    u = make_url(url).set(drivername="postgresql")
    if database is not None:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


def database_name(test_name: str) -> str:
    """A unique, valid identifier (PostgreSQL truncates names at 63 bytes)."""
    slug = re.sub(r"[^a-z0-9]+", "_", test_name.lower()).strip("_")
    return f"{PREFIX}{os.getpid()}_{next(_counter)}_{slug}"[:63]


async def _admin(server_url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_dsn(server_url))
    try:
        for statement in statements:
            for attempt in range(50):
                try:
                    await conn.execute(statement)
                    break
                except asyncpg.InsufficientPrivilegeError:
                    # An autovacuum worker is in the database: it leaves within moments.
                    if attempt == 49:
                        raise
                    await asyncio.sleep(0.1)
    finally:
        await conn.close()


def fresh_database(server_url: str, test_name: str) -> str:
    """Create an empty database for ``test_name`` on the server; return its SQLAlchemy URL.

    ``server_url`` names a database the role can connect to (e.g. ``.../postgres``) and a
    role allowed to ``CREATE DATABASE``.
    """
    name = database_name(test_name)
    _run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    """Drop a database made by ``fresh_database``, disconnecting anything still attached."""
    name = make_url(url).database
    if name and name.startswith(PREFIX):
        _run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")
