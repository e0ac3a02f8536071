"""Back up and restore with the commands docs/deploy.md gives (PostgreSQL only).

The copy is made by the same role chatdesk connects as (it has CREATEDB, as .ci/run sets it up):
``pg_dump -Fc``, ``createdb -O <role>`` with connection options, ``pg_restore --no-owner
--role=<role>``; chatdesk pointed at the copy finds every message and ``db upgrade`` works.
A database whose tables chatdesk may not read says so, not "has no chatdesk schema yet".
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from chatdesk.conversations.models import Message
from chatdesk.core.migrate import DatabaseNotReady, check_ready, migration_heads
from tests.conftest import settle
from tests.pg import database_name, drop_database, is_postgres

pytestmark = pytest.mark.skipif(not shutil.which("pg_restore"), reason="PostgreSQL client tools not installed")


def _pg_only(url: str) -> None:
    if not is_postgres(url):
        pytest.skip("backup and restore are PostgreSQL's tools")


def _conn_env(url: str) -> tuple[list[str], dict[str, str]]:
    """The connection options and PGPASSWORD for the client tools, as an operator passes them."""
    u = make_url(url)
    opts = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "chatdesk"]
    return opts, {**os.environ, "PGPASSWORD": u.password or ""}


def _run(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr


async def _count_messages(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(Message))).scalar_one()
    finally:
        await engine.dispose()


async def test_backup_restores_every_message_and_db_upgrade_works(stack, db_url, request, tmp_path: Path):
    _pg_only(db_url)
    for n in range(3):
        await stack.customer_says("31612000999", type="text", text=f"bericht {n}")
    await settle(lambda: _count_at_least(db_url, 3))
    before = await _count_messages(db_url)

    opts, env = _conn_env(db_url)
    role = make_url(db_url).username or "chatdesk"
    source = make_url(db_url).database or ""
    copy = database_name("restored")
    dump = tmp_path / "chatdesk.dump"
    # the documented commands (docs/deploy.md, "Back up and restore")
    _run("pg_dump", *opts, "-Fc", "-f", str(dump), source, env=env)
    _run("createdb", *opts, "-O", role, copy, env=env)
    restored = make_url(db_url).set(database=copy).render_as_string(hide_password=False)
    try:
        _run("pg_restore", *opts, "--no-owner", f"--role={role}", "-d", copy, str(dump), env=env)
        assert await _count_messages(restored) == before
        assert await check_ready(restored) == ",".join(sorted(migration_heads()))
        cli_env = {**env, "CHATDESK_DATABASE_URL": restored, "CHATDESK_DATA_DIR": str(tmp_path / "data")}
        upgraded = subprocess.run([sys.executable, "-m", "chatdesk.cli", "db", "upgrade"], capture_output=True,
                                  text=True, env=cli_env, timeout=120)
        assert upgraded.returncode == 0, upgraded.stderr
        assert "already at revision" in upgraded.stdout
    finally:
        drop_database(request.config.getoption("--db"), restored)


async def _count_at_least(url: str, n: int) -> bool:
    return await _count_messages(url) >= n


async def test_unreadable_schema_says_permission_denied_not_no_schema(settings, db_url):
    _pg_only(db_url)
    engine = create_async_engine(db_url)
    try:
        async with engine.begin() as conn:  # as after a restore that left the tables to another role
            role = (await conn.execute(text("SELECT current_user"))).scalar_one()
            await conn.execute(text(f'REVOKE ALL ON alembic_version FROM "{role}"'))
    finally:
        await engine.dispose()
    with pytest.raises(DatabaseNotReady) as caught:
        await check_ready(db_url)
    message = str(caught.value)
    assert "permission denied" in message
    assert "no chatdesk schema" not in message
    assert "pg_restore --no-owner" in message
