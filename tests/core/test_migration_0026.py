"""Migration 0026 (PostgreSQL's conversation trigram bits) gives the conversations a database
already has the bits of their stored messages, keeps them from then on, and goes back cleanly.
PostgreSQL only: SQLite's search does not use them and the migration leaves it untouched."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from chatdesk.core.migrate import alembic_config
from chatdesk.models import Channel, Contact, Conversation, Workspace
from tests.core.test_migration_0009 import _insert

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TEXTS = {1: ["waar is mijn pakket", "bedankt"], 2: ["rechnung fehlt"], 3: []}


async def _seed(conn: sa.AsyncConnection) -> None:
    await _insert(conn, Workspace, [{"id": 1, "slug": "ws1", "name": "WS", "timezone": "UTC", "created_at": T0}])
    await _insert(conn, Channel, [
        {"id": 1, "workspace_id": 1, "kind": "whatsapp", "name": "n1", "external_id": "101", "display": "",
         "config": {}, "secrets": "x", "rate_limit_mps": 80.0, "health": {}, "created_at": T0}])
    await _insert(conn, Contact, [
        {"id": c, "workspace_id": 1, "name": f"contact {c}", "attributes": {}, "created_at": T0, "updated_at": T0}
        for c in TEXTS])
    await _insert(conn, Conversation, [
        {"id": c, "workspace_id": 1, "channel_id": 1, "contact_id": c, "status": "open", "priority": "none",
         "last_message_at": T0, "unread_count": 0, "created_at": T0, "updated_at": T0} for c in TEXTS])
    for c, texts in TEXTS.items():  # (raw: the model's content type checks today's shapes)
        for t in texts:
            await conn.execute(sa.text(
                "INSERT INTO messages (workspace_id, conversation_id, channel_id, direction, author_type, type, "
                "content, status, text, text_key, created_at, updated_at) VALUES (1, :c, 1, 'in', 'contact', "
                "'text', CAST(:content AS jsonb), 'received', :t, :t, :at, :at)"),
                {"c": c, "t": t, "content": json.dumps({"type": "text", "body": t}), "at": T0})


async def _holds(conn: sa.AsyncConnection, term: str) -> list[int]:
    """The conversations whose bits hold the term's."""
    return list((await conn.execute(sa.text(
        "SELECT id FROM conversations WHERE (search_bits & chatdesk_trigram_bits(:t)) = chatdesk_trigram_bits(:t) "
        "ORDER BY id"), {"t": term})).scalars())


async def test_stored_messages_get_their_bits_and_new_ones_keep_them(db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    cfg = alembic_config(db_url)
    await asyncio.to_thread(command.upgrade, cfg, "0025")
    engine = create_async_engine(db_url)
    try:
        async with engine.begin() as conn:
            await _seed(conn)
        await asyncio.to_thread(command.upgrade, cfg, "0026")
        async with engine.begin() as conn:
            assert await _holds(conn, "pakket") == [1]
            assert await _holds(conn, "rechnung") == [2]
            assert await _holds(conn, "zzzzzz") == []
            await conn.execute(sa.text("UPDATE messages SET text_key = 'pakket is er' WHERE conversation_id = 2"))
            assert await _holds(conn, "pakket") == [1, 2]
        await asyncio.to_thread(command.downgrade, cfg, "0025")
        async with engine.begin() as conn:
            columns = (await conn.execute(sa.text(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'conversations' "
                "AND column_name = 'search_bits'"))).scalar_one()
            triggers = (await conn.execute(sa.text(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'messages_search_bits'"))).scalar_one()
            assert (columns, triggers) == (0, 0)
            await conn.execute(sa.text("UPDATE messages SET text_key = 'nog steeds' WHERE conversation_id = 1"))
        await asyncio.to_thread(command.upgrade, cfg, "0026")
        async with engine.connect() as conn:
            assert await _holds(conn, "steeds") == [1]
    finally:
        await engine.dispose()
