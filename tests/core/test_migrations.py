"""Migrations that carry data: run down and up again on a database with rows, the result is the
same as on a fresh one."""
from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import select

from chatdesk.conversations.inbox_search import conversations_with_text
from chatdesk.core.migrate import alembic_config, upgrade
from tests.conftest import settle


async def _matching(stack, q: str) -> list[int]:
    async with stack.rt.db.reader() as session:
        query = conversations_with_text(session.bind.dialect.name, stack.workspace_id, q)
        return list((await session.execute(select(query.subquery()))).scalars())


async def test_text_search_index_is_built_for_messages_that_already_exist(stack):
    await stack.customer_says("31600000042", type="text", text="Een zeldzaam woord: kwispelstaart")
    (conv,) = await settle(lambda: stack.conversations())
    assert await _matching(stack, "kwispel") == [conv["id"]]
    cfg = alembic_config(stack.settings.db_url)
    await asyncio.to_thread(command.downgrade, cfg, "0004")  # drops the index (and on SQLite its table)
    await asyncio.to_thread(upgrade, stack.settings.db_url)  # builds it again from the stored messages
    assert await _matching(stack, "kwispel") == [conv["id"]]
    assert await _matching(stack, "KWISPELSTAART") == [conv["id"]]
    assert await _matching(stack, "hondenstaart") == []


async def test_0025_gives_stored_messages_their_accent_free_keys(stack):
    await stack.customer_says("31600000043", type="text", text="Grüße von Jürgen Müller")
    (conv,) = await settle(lambda: stack.conversations())
    cfg = alembic_config(stack.settings.db_url)
    await asyncio.to_thread(command.downgrade, cfg, "0024")  # the column and its index go
    await asyncio.to_thread(upgrade, stack.settings.db_url)  # and come back, with the stored message's key
    for q in ("muller", "GRUSSE", "jürgen"):
        assert await _matching(stack, q) == [conv["id"]], q
    assert await _matching(stack, "mueller") == []


async def _schema_diff(url: str) -> list:
    """What autogenerate would change to make the migrated database match the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    from chatdesk.core.migrate import include_name
    from chatdesk.models import Base

    def compare(conn):
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        return compare_metadata(ctx, Base.metadata)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_migrations_build_exactly_the_models_schema(settings):
    assert await _schema_diff(settings.db_url) == []


async def test_0024_refolds_stored_name_keys_without_accents_and_back(stack):
    from chatdesk.contacts.models import Contact

    await stack.customer_says("31600000424", type="text", text="Hallo")
    await settle(lambda: stack.conversations())
    async with stack.rt.db.session() as session:
        (await session.execute(select(Contact))).scalar_one().name = "Jürgen Müller"  # the model sets the key

    async def keys() -> list[str]:
        async with stack.rt.db.reader() as session:
            return list((await session.execute(select(Contact.name_key))).scalars())
    assert await keys() == ["jurgen muller"]
    cfg = alembic_config(stack.settings.db_url)
    await asyncio.to_thread(command.downgrade, cfg, "0016")
    assert await keys() == ["jürgen müller"]
    await asyncio.to_thread(upgrade, stack.settings.db_url)
    assert await keys() == ["jurgen muller"]
