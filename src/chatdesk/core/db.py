"""Database: the declarative base, portable column types, and the engines and sessions.

SQLite (embedded) and PostgreSQL (scale-out) run the same code. On SQLite, writing sessions
start with ``BEGIN IMMEDIATE`` so concurrent writers queue on the lock (busy_timeout) instead
of failing on a read-to-write upgrade; reading sessions use WAL snapshots and never block.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, Table, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from . import intrange, storable
from .errors import not_found

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Ids: BIGINT on PostgreSQL, INTEGER (the rowid alias, so it autoincrements) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# SQLite: the WAL is copied back into the database file by ``WalCheckpointer`` in a thread, off
# the write path; a writing transaction checkpoints only if the WAL outgrows this (~40 MB), as
# a backstop for processes that run no checkpointer (CLI commands).
BACKSTOP_CHECKPOINT_PAGES = 10_000


class WalCheckpointer:
    """Copies SQLite's write-ahead log back into the database file every ``interval`` seconds,
    in a worker thread with its own connection (``PRAGMA wal_checkpoint(PASSIVE)``: it never
    waits for nor blocks readers and writers).

    SQLite's own automatic checkpoint runs inside whichever write transaction crosses 1,000
    pages, fsync included, while that transaction holds the one write lock: every webhook
    waiting to be stored waited for it (bench/ingest.py, three runs each: 1,436-1,706 messages/s
    with it, 1,628-1,778/s with this; every 0.5 s copied hot pages too often: 1,569-1,637/s).
    """

    def __init__(self, path: str, interval: float = 2.0):
        self.path, self.interval = path, interval
        self._conn: Any = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self._checkpoint)
            except Exception as exc:
                logging.getLogger("chatdesk.db").warning("WAL checkpoint failed: %s", exc)

    def _checkpoint(self) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class NestedWriteSession(RuntimeError):
    """A writing session was opened while the same task already had one open."""


class Database:
    """Engines and session factories for one database URL.

    ``session()`` opens a writing transaction, ``reader()`` a read-only one. Code that commits
    can leave work for after the commit in ``session.info`` (see ``after_commit``): the jobs
    module uses it to wake workers, the events module to publish live events.
    """

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 20):
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        self._session_class = type("ChatdeskSession", (Session,), {})
        self._hooks: list[Callable[[Session], None]] = []
        self._write_lock: asyncio.Lock | None = None
        # the task holding this database's writing session; a task spawned inside one inherits
        # the value, but is another task, so it may open its own (it does not nest)
        self._writer: ContextVar[asyncio.Task[Any] | None] = ContextVar(f"chatdesk_writer_{id(self):x}",
                                                                         default=None)
        self.checkpointer: WalCheckpointer | None = None
        if self.is_sqlite:
            self.engine = self._sqlite_engine(url, echo, immediate=True)
            self.read_engine = self._sqlite_engine(url, echo, immediate=False)
            self._write_lock = asyncio.Lock()
            path = make_url(url).database
            self.checkpointer = WalCheckpointer(path) if path and path != ":memory:" else None
        else:
            self.engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow,
                                              pool_pre_ping=True, hide_parameters=not echo,
                                              json_serializer=storable.dumps)
            self.read_engine = self.engine
            storable.install(self.engine)
        for engine in {self.engine, self.read_engine}:
            intrange.guard(engine)
        self._write = async_sessionmaker(self.engine, expire_on_commit=False,
                                         sync_session_class=self._session_class)
        self._read = async_sessionmaker(self.read_engine, expire_on_commit=False)
        event.listen(self._session_class, "after_commit", self._after_commit)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @staticmethod
    def _sqlite_engine(url: str, echo: bool, *, immediate: bool) -> AsyncEngine:
        # hide_parameters: a failed statement's error must not carry message texts into the logs
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, hide_parameters=not echo,
                                     json_serializer=storable.dumps)
        storable.install(engine)  # the same values on both databases (see core.storable)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                           "busy_timeout=30000", f"wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}",
                           "temp_store=MEMORY", "cache_size=-65536"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def before_commit(self, hook: Callable[[Session], None]) -> None:
        """Run ``hook(session)`` inside every writing transaction just before it commits
        (statements it runs are part of the transaction: PostgreSQL's NOTIFY)."""
        event.listen(self._session_class, "before_commit", hook)

    def on_commit(self, hook: Callable[[Session], None]) -> None:
        """Run ``hook(session)`` after every committed writing session."""
        self._hooks.append(hook)

    def _after_commit(self, session: Session) -> None:
        for hook in self._hooks:
            hook(session)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A writing transaction: committed on success, rolled back on error.

        On SQLite the process's writers also queue on an asyncio lock: SQLite's busy handler
        makes a waiting writer sleep and poll (up to 100 ms a time), which turns lock
        contention into latency spikes; a queue in the event loop hands the lock over at once.
        Writing sessions must therefore never nest: on SQLite the inner one would wait on the
        outer forever, on PostgreSQL it would commit apart from it. So nesting raises at once.
        """
        task = asyncio.current_task()
        if task is not None and self._writer.get() is task:
            raise NestedWriteSession("a writing session is already open in this task; "
                                     "pass the session down instead of opening another")
        token = self._writer.set(task)
        try:
            if self._write_lock is None:
                async with self._write() as session, session.begin():
                    yield session
                return
            async with self._write_lock, self._write() as session, session.begin():
                yield session
        finally:
            self._writer.reset(token)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction (a snapshot; never takes SQLite's write lock)."""
        async with self._read() as session:
            yield session  # closing the session rolls the snapshot back

    def start_maintenance(self) -> None:
        """Background upkeep for a long-running process (web app, worker): SQLite's WAL
        checkpoints. CLI commands and tests need none."""
        if self.checkpointer is not None:
            self.checkpointer.start()

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.stop()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


ModelT = TypeVar("ModelT")


async def get_in_workspace(session: AsyncSession, model: type[ModelT], workspace_id: int, row_id: int) -> ModelT:
    """The row of ``model`` with this id if it belongs to the workspace; else 404 (another
    workspace's rows answer exactly as missing ones do)."""
    row = await session.get(model, row_id)
    if row is None or getattr(row, "workspace_id", None) != workspace_id:
        raise not_found(_human(model.__name__))
    return row


def _human(name: str) -> str:
    """``CannedResponse`` → ``Canned response``: the model's name as the 404 says it."""
    words = re.findall(r"[A-Z][a-z0-9]*", name) or [name]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def now_utc() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as the ``Table`` it is (``__table__`` is declared as a
    ``FromClause``), for Core statements that run with many parameter sets (executemany)."""
    return cast(Table, model.__table__)


def insert_ignore(dialect: str, table: Any, index_elements: list[str]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the running dialect (dedupe by unique key).
    Execute it with the rows as parameters (``session.execute(stmt, rows)``), not with
    ``.values(rows)``: one cached compiled statement then serves every batch size, where a
    multi-row VALUES clause is compiled anew for each (a third of the webhook path's cost)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
