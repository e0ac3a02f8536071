"""Running Alembic from code (``chatdesk db upgrade``, the demo, tests)."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

SCRIPTS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """What autogenerate compares: everything but what migrations create by hand outside the
    models (0005: SQLite's full-text table of messages with its shadow tables, PostgreSQL's
    trigram index)."""
    if type_ == "table" and name and name.startswith("messages_fts"):
        return False
    return not (type_ == "index" and name == "ix_messages_text_trgm")


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to ``revision``. Safe to run again: applied migrations are skipped."""
    command.upgrade(alembic_config(url), revision)
    refresh_statistics(url)


def refresh_statistics(url: str) -> None:
    """SQLite: give the query planner table statistics (``ANALYZE``, sampled, well under a
    second for millions of rows). Without them SQLite guesses that an equality on any indexed
    column is selective and can walk a whole workspace's index where a handful of rows by id
    would do (docs/indexes.md). Runs on every upgrade, so on every ``chatdesk serve`` start.
    PostgreSQL's autovacuum keeps its own statistics."""
    parsed = make_url(url)
    if not parsed.get_backend_name() == "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    with contextlib.closing(sqlite3.connect(parsed.database, timeout=30)) as conn:
        conn.execute("PRAGMA analysis_limit=1000")
        conn.execute("ANALYZE")
        conn.commit()


async def upgrade_async(url: str) -> None:
    """The same from inside a running event loop (Alembic's env starts its own loop)."""
    await asyncio.to_thread(upgrade, url)
