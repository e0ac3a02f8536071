"""Database: the declarative base, portable column types, and the engines and sessions.

SQLite (embedded) and PostgreSQL (scale-out) run the same code. On SQLite, writing sessions
start with ``BEGIN IMMEDIATE`` so concurrent writers queue on the lock (busy_timeout) instead
of failing on a read-to-write upgrade; reading sessions use WAL snapshots and never block.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

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


class Database:
    """Engines and session factories for one database URL.

    ``session()`` opens a writing transaction, ``reader()`` a read-only one. Code that commits
    can leave work for after the commit in ``session.info`` (see ``after_commit``): the jobs
    module uses it to wake workers, the events module to publish live events.
    """

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        self._session_class = type("ChatdeskSession", (Session,), {})
        self._hooks: list[Callable[[Session], None]] = []
        self._write_lock: asyncio.Lock | None = None
        if self.is_sqlite:
            self.engine = self._sqlite_engine(url, echo, immediate=True)
            self.read_engine = self._sqlite_engine(url, echo, immediate=False)
            self._write_lock = asyncio.Lock()
        else:
            self.engine = create_async_engine(url, echo=echo, pool_size=10, max_overflow=20,
                                              pool_pre_ping=True)
            self.read_engine = self.engine
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
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                           "busy_timeout=30000", "temp_store=MEMORY", "cache_size=-65536"):
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
        Writing sessions must therefore never nest (they would wait on themselves).
        """
        if self._write_lock is None:
            async with self._write() as session:
                async with session.begin():
                    yield session
            return
        async with self._write_lock:
            async with self._write() as session:
                async with session.begin():
                    yield session

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction (a snapshot; never takes SQLite's write lock)."""
        async with self._read() as session:
            yield session  # closing the session rolls the snapshot back

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def now_utc() -> datetime:
    return datetime.now(UTC)


def insert_ignore(dialect: str, table: Any, index_elements: list[str]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the running dialect (dedupe by unique key).
    Execute it with the rows as parameters (``session.execute(stmt, rows)``), not with
    ``.values(rows)``: one cached compiled statement then serves every batch size, where a
    multi-row VALUES clause is compiled anew for each (a third of the webhook path's cost)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=index_elements)
