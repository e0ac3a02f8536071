"""Running Alembic from code (``chatdesk db upgrade``, the demo, tests), and whether this
code can serve a database's schema (``/readyz``).

Rolling upgrades (docs/deploy.md): a migration module may declare
``compatible_with_previous = True`` (expand only: new tables, nullable or defaulted columns,
indexes), so code of the revision before it still works on the schema it leaves. Every
migration run records, in ``chatdesk_schema_compat``, the oldest code revision the schema
still serves; older code reads that row to decide without knowing the newer migrations."""
from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from alembic.runtime.environment import NameFilterParentNames, NameFilterType
    from alembic.runtime.migration import MigrationContext, MigrationInfo

SCRIPTS = Path(__file__).resolve().parent.parent / "migrations"
COMPAT_TABLE = "chatdesk_schema_compat"  # one row: the oldest code revision the schema serves


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def include_name(name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames) -> bool:
    """What autogenerate compares: everything but what migrations create by hand outside the
    models (0005, 0025: SQLite's full-text table of messages with its shadow tables, PostgreSQL's
    trigram index; 0026: PostgreSQL's conversation trigram bits, kept by a trigger and read only
    by the search; the compatibility row every migration run writes)."""
    if type_ == "table" and name and (name.startswith(("messages_fts", "contacts_fts")) or name == COMPAT_TABLE):
        return False
    if type_ == "column" and name == "search_bits" and parent_names.get("table_name") == "conversations":
        return False
    return not (type_ == "index" and name in ("ix_messages_text_trgm", "ix_messages_text_key_trgm",
                                                    "ix_contacts_name_key_trgm"))


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to ``revision``. Safe to run again: applied migrations are skipped."""
    _create_private_sqlite_file(url)
    command.upgrade(alembic_config(url), revision)
    refresh_statistics(url)


def upgrade_and_report(url: str) -> str:
    """``upgrade`` to head, then say what it did (``chatdesk db upgrade`` prints it): created
    the schema, upgraded from one revision to another, or found it already at the head."""
    before = asyncio.run(_current_revision(url)) if _exists(url) else ""
    upgrade(url)
    after = asyncio.run(_current_revision(url))
    if not before:
        return f"created the schema at revision {after}"
    if before == after:
        return f"the database is already at revision {after}"
    return f"upgraded the database from revision {before} to {after}"


def _exists(url: str) -> bool:
    """False for a SQLite file not created yet (reading it would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return True
    return Path(parsed.database).exists()


async def _current_revision(url: str) -> str:
    """The schema's revision(s), comma-separated; "" when the database was never migrated."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            try:
                return ",".join(sorted(await schema_revisions(conn)))
            except Exception as exc:
                if never_migrated(exc):
                    return ""
                raise
    finally:
        await engine.dispose()


def _create_private_sqlite_file(url: str) -> None:
    """A new SQLite database starts as an empty file readable by its owner alone (0600; SQLite
    gives its -wal and -shm files the same mode): it holds every customer's messages. An
    existing file keeps the mode its operator chose."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(parsed.database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def refresh_statistics(url: str) -> None:
    """SQLite: give the query planner table statistics (``ANALYZE``, sampled, well under a
    second for millions of rows). Without them SQLite guesses that an equality on any indexed
    column is selective and can walk a whole workspace's index where a handful of rows by id
    would do (docs/indexes.md). Runs on every upgrade, so on every ``chatdesk serve`` start.
    PostgreSQL's autovacuum keeps its own statistics."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    with contextlib.closing(sqlite3.connect(parsed.database, timeout=30)) as conn:
        conn.execute("PRAGMA analysis_limit=1000")
        conn.execute("ANALYZE")
        conn.commit()


def migration_heads() -> set[str]:
    """The Alembic head revision(s) shipped with this code."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("")).get_heads())


async def schema_revisions(conn: Any) -> set[str]:
    """The revision(s) a database's schema is at (a connection or session); raises if it was
    never migrated (no ``alembic_version`` table)."""
    return set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(""))


def oldest_code_served(revision: str) -> str:
    """The oldest code revision a schema at ``revision`` still serves: step back over every
    migration that declares ``compatible_with_previous`` (a merge point stops the walk)."""
    scripts = _scripts()
    rev = scripts.get_revision(revision)
    while getattr(rev.module, "compatible_with_previous", False) and isinstance(rev.down_revision, str):
        rev = scripts.get_revision(rev.down_revision)
    return str(rev.revision)


def record_compatibility(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any],
                         run_args: Mapping[str, Any]) -> None:
    """Alembic's ``on_version_apply``: after each migration step, in the step's transaction
    (alongside its version stamp), write the oldest code revision the schema now serves."""
    connection = ctx.connection
    assert connection is not None  # online migrations only
    connection.execute(text(f"CREATE TABLE IF NOT EXISTS {COMPAT_TABLE} (serves_code_from VARCHAR(32) NOT NULL)"))
    connection.execute(text(f"DELETE FROM {COMPAT_TABLE}"))
    if len(heads) == 1:
        connection.execute(text(f"INSERT INTO {COMPAT_TABLE} (serves_code_from) VALUES (:rev)"),
                           {"rev": oldest_code_served(next(iter(heads)))})


@dataclass(frozen=True)
class CodeSchema:
    """What a release's code knows of the migrations: its head(s) and every revision up to
    them. ``at("0011")`` is the view of the release whose head was 0011 (tests run "the
    previous release" against a newer schema that way)."""

    heads: frozenset[str]
    known: frozenset[str]

    @classmethod
    def at(cls, revision: str = "heads") -> CodeSchema:
        scripts = _scripts()
        heads = scripts.get_heads() if revision == "heads" else [revision]
        known = {rev.revision for head in heads for rev in scripts.walk_revisions("base", head)}
        return cls(frozenset(heads), frozenset(known))


async def schema_mismatch(conn: Any, code: CodeSchema) -> str | None:
    """Why this code cannot serve the database's schema, or None when it can: the schema is
    the code's head, or newer and recorded as still serving the code's head."""
    current = await schema_revisions(conn)
    if current == code.heads:
        return None
    shown = f"database at {sorted(current)}, code expects {sorted(code.heads)}"
    if current <= code.known:  # older: this process started before `db upgrade`
        return f"{shown}; run `chatdesk db upgrade`"
    try:
        async with conn.begin_nested():  # (PostgreSQL: a missing table must not end the transaction)
            serves_from = (await conn.execute(text(f"SELECT serves_code_from FROM {COMPAT_TABLE}"))).scalar()
    except Exception:  # a schema migrated before compatibility was recorded
        serves_from = None
    if serves_from is not None and serves_from in code.known:
        return None
    return (f"{shown}; the newer schema does not serve this code (it serves code from revision "
            f"{serves_from or 'unknown'} on): run the new release")


class DatabaseNotReady(RuntimeError):
    """The database cannot be used: unreachable, refused us, or never migrated."""


async def check_ready(url: str, timeout: float = 10.0) -> str:
    """Connect once and read the schema revision, so a process that cannot work says why at
    start-up in one line instead of failing request by request. Returns the revision; a
    revision other than this release's head is allowed (a rolling deploy migrates first)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from .errors import one_line

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not Path(parsed.database).exists():  # connecting would create an empty file there
        raise DatabaseNotReady(f"there is no database at {parsed.database}: run 'chatdesk db upgrade'")
    connect_args = {"timeout": timeout} if parsed.get_backend_name() == "postgresql" else {}
    engine = create_async_engine(url, connect_args=connect_args)
    try:
        async with engine.connect() as conn:
            try:
                revisions = await schema_revisions(conn)
            except Exception as exc:
                if not never_migrated(exc):  # e.g. permission denied on a restored copy: say so
                    raise DatabaseNotReady(f"cannot read the schema of the database {shown}: {one_line(exc)}"
                                           f"{_OWNER_HINT if _permission_denied(exc) else ''}") from None
                revisions = set()
    except DatabaseNotReady:
        raise
    except Exception as exc:  # every driver has its own connection errors
        raise DatabaseNotReady(f"cannot connect to the database {shown}: {one_line(exc)}") from None
    finally:
        await engine.dispose()
    if not revisions:
        raise DatabaseNotReady(f"the database {shown} has no chatdesk schema yet: run 'chatdesk db upgrade'")
    return ",".join(sorted(revisions))


_OWNER_HINT = (" (the tables must belong to the role chatdesk connects as: restore with"
               " 'pg_restore --no-owner --role=<that role>', see docs/deploy.md)")


def never_migrated(exc: BaseException) -> bool:
    """Whether reading ``alembic_version`` failed because the table does not exist (a database
    chatdesk never migrated), not for another reason such as permission denied."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == "42P01":  # PostgreSQL: undefined_table
        return True
    return "no such table" in str(orig)  # SQLite


def _permission_denied(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) == "42501" or "permission denied" in str(orig)


async def upgrade_async(url: str) -> None:
    """The same from inside a running event loop (Alembic's env starts its own loop)."""
    await asyncio.to_thread(upgrade, url)
