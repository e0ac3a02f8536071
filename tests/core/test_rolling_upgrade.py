"""Issue 14, point 2: during a rolling upgrade the previous release's processes stay ready on
the new schema when every migration since declares itself compatible; an incompatible newer
schema (or one that recorded nothing) takes them out of rotation. "Previous release" is the
same code posing with an older head (``CodeSchema.at``), the way /readyz sees its own code."""
from __future__ import annotations

import asyncio
import io

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from chatdesk.core.migrate import (
    COMPAT_TABLE,
    CodeSchema,
    alembic_config,
    oldest_code_served,
    schema_revisions,
    upgrade,
)


async def _recorded(stack) -> str | None:
    async with stack.rt.db.reader() as s:
        return (await s.execute(text(f"SELECT serves_code_from FROM {COMPAT_TABLE}"))).scalar()


async def test_a_migration_run_records_the_oldest_code_the_schema_serves(bare):
    # 0025 (message text keys) replaces an index the release before it reads: the schema at head
    # serves code from 0025 on. Before it, 0009-0024 are expand-only on top of 0008.
    assert await _recorded(bare) == oldest_code_served("0025") == "0025"
    assert oldest_code_served("0024") == oldest_code_served("0012") == "0008"
    assert oldest_code_served("0008") == "0008"


async def _schema_posing_at(stack, revision: str) -> None:
    """The database as `db upgrade` to ``revision`` leaves it, as /readyz reads it."""
    async with stack.rt.db.session() as s:
        await s.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        await s.execute(text(f"UPDATE {COMPAT_TABLE} SET serves_code_from = :c"), {"c": oldest_code_served(revision)})


@pytest.mark.parametrize("previous_head", ["0008", "0011"])
async def test_the_previous_release_stays_ready_on_the_new_schema(bare, previous_head):
    await _schema_posing_at(bare, "0024")
    bare.app.state.code_schema = CodeSchema.at(previous_head)  # the old process, database at 0024
    resp = await bare.api.get("/readyz")
    assert resp.status_code == 200 and resp.json() == {"status": "ready"}


async def test_the_release_before_0025_leaves_rotation_when_it_runs(bare):
    bare.app.state.code_schema = CodeSchema.at("0024")  # database at head, past 0025
    resp = await bare.api.get("/readyz")
    assert resp.status_code == 503 and resp.json()["code"] == "not_migrated"
    assert "run the new release" in resp.json()["detail"]


async def test_code_older_than_the_schema_serves_is_not_ready(bare):
    bare.app.state.code_schema = CodeSchema.at("0007")  # 0008 is not declared compatible
    resp = await bare.api.get("/readyz")
    assert resp.status_code == 503 and resp.json()["code"] == "not_migrated"
    assert "run the new release" in resp.json()["detail"]


async def test_an_incompatible_newer_revision_takes_old_code_out_of_rotation(bare):
    async with bare.rt.db.session() as s:  # what `db upgrade` to a contracting later revision would leave
        await s.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        await s.execute(text(f"UPDATE {COMPAT_TABLE} SET serves_code_from = '0099'"))
    resp = await bare.api.get("/readyz")
    assert resp.status_code == 503 and resp.json()["code"] == "not_migrated"
    async with bare.rt.db.session() as s:  # an expand-only one: this code still serves
        await s.execute(text(f"UPDATE {COMPAT_TABLE} SET serves_code_from = '0012'"))
    assert (await bare.api.get("/readyz")).json() == {"status": "ready"}


async def test_a_newer_schema_that_recorded_no_compatibility_is_not_ready(bare):
    async with bare.rt.db.session() as s:
        await s.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        await s.execute(text(f"DROP TABLE {COMPAT_TABLE}"))
    resp = await bare.api.get("/readyz")
    assert resp.status_code == 503 and resp.json()["code"] == "not_migrated"


def test_the_new_index_on_contact_identities_builds_concurrently_on_postgresql():
    out = io.StringIO()
    cfg = alembic_config("postgresql+asyncpg://chatdesk@localhost/offline")
    cfg.output_buffer = out
    command.upgrade(cfg, "0008:0009", sql=True)  # offline: the SQL, no server needed
    sql = out.getvalue()
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_contact_identities_username_key" in sql
    before_index = sql.split("CREATE INDEX CONCURRENTLY")[0]
    assert before_index.rstrip().endswith("COMMIT;")  # not inside the migration's transaction


async def test_0009_runs_again_after_its_index_build_failed(db_url):
    """PostgreSQL commits 0009's columns before the concurrent index build; a failed build
    leaves them, without the index or the version stamp. The documented fix (drop the invalid
    index, `db upgrade` again) must then finish the migration."""
    await asyncio.to_thread(upgrade, db_url, "0009")
    engine = create_async_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP INDEX ix_contact_identities_username_key"))
            await conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
        await asyncio.to_thread(upgrade, db_url, "0009")
        async with engine.connect() as conn:
            assert await schema_revisions(conn) == {"0009"}
            indexes = await conn.run_sync(lambda c: {i["name"] for i in inspect(c).get_indexes("contact_identities")})
        assert "ix_contact_identities_username_key" in indexes
    finally:
        await engine.dispose()
