"""Migration 0006 (identities per channel) keeps the identities a database already has: each
gets the channels its contact talked on, else the workspace's first channel of its kind; one
that no channel of the workspace can reach is dropped. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from chatdesk.core.db import Id, UTCDateTime
from chatdesk.core.migrate import alembic_config
from chatdesk.models import Channel, Contact, Conversation, Workspace

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# contact_identities as revision 0005 left it
OLD_IDENTITIES = sa.Table("contact_identities", sa.MetaData(), sa.Column("id", Id, primary_key=True),
                          sa.Column("workspace_id", Id), sa.Column("contact_id", Id), sa.Column("kind", sa.String),
                          sa.Column("external_id", sa.String), sa.Column("profile_name", sa.String),
                          sa.Column("created_at", UTCDateTime))



async def _insert(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert only the columns the rows name: today's model has columns (some with Python-side
    defaults) that the old schema under test does not have yet."""
    t = model.__table__
    await conn.execute(sa.insert(sa.table(t.name, *[sa.column(k, t.c[k].type) for k in rows[0]])), rows)

async def _seed(conn: sa.AsyncConnection) -> None:
    await _insert(conn, Workspace, [
        {"id": w, "slug": f"ws{w}", "name": f"WS {w}", "timezone": "UTC", "created_at": T0} for w in (1, 2, 3)])
    await _insert(conn, Channel, [
        {"id": c, "workspace_id": w, "kind": "whatsapp", "name": f"n{c}", "external_id": f"10{c}", "display": "",
         "config": {}, "secrets": "x", "rate_limit_mps": 80.0, "health": {}, "created_at": T0}
        for c, w in ((1, 1), (2, 1), (3, 2))])
    await _insert(conn, Contact, [
        {"id": c, "workspace_id": w, "name": f"contact {c}", "attributes": {}, "created_at": T0, "updated_at": T0}
        for c, w in ((1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (6, 3))])
    await conn.execute(sa.insert(OLD_IDENTITIES), [
        {"workspace_id": w, "contact_id": c, "kind": kind, "external_id": ext, "profile_name": f"P{c}",
         "created_at": T0}
        for w, c, kind, ext in ((1, 1, "whatsapp", "111"),    # talked on both numbers
                                (1, 2, "whatsapp", "222"),    # talked on the second only
                                (1, 3, "whatsapp", "333"),    # never talked
                                (2, 4, "messenger", "444"),   # no messenger channel in ws2
                                (2, 5, "whatsapp", "111"),    # same id, another workspace
                                (3, 6, "whatsapp", "666"))])  # ws3 has no channel at all
    await _insert(conn, Conversation, [
        {"workspace_id": w, "channel_id": ch, "contact_id": c, "status": status, "priority": "none",
         "unread_count": 0, "last_message_at": T0, "created_at": T0, "updated_at": T0}
        for w, ch, c, status in ((1, 1, 1, "resolved"), (1, 1, 1, "open"), (1, 2, 1, "open"), (1, 2, 2, "open"),
                                 (2, 3, 5, "open"))])


async def _identities(conn: sa.AsyncConnection) -> list[tuple]:
    rows = await conn.execute(sa.text("SELECT contact_id, channel_id, kind, external_id, profile_name "
                                      "FROM contact_identities ORDER BY contact_id, channel_id"))
    return [tuple(r) for r in rows]


async def test_identities_get_their_channels_and_keep_their_data(db_url):
    cfg = alembic_config(db_url)
    await asyncio.to_thread(command.upgrade, cfg, "0005")
    engine = create_async_engine(db_url)
    try:
        async with engine.begin() as conn:
            await _seed(conn)
        await asyncio.to_thread(command.upgrade, cfg, "0006")
        async with engine.connect() as conn:
            assert await _identities(conn) == [
                (1, 1, "whatsapp", "111", "P1"), (1, 2, "whatsapp", "111", "P1"),
                (2, 2, "whatsapp", "222", "P2"),
                (3, 1, "whatsapp", "333", "P3"),
                (5, 3, "whatsapp", "111", "P5")]
        async with engine.connect() as conn:  # one identity per channel and id from now on
            try:
                await conn.execute(sa.text(
                    "INSERT INTO contact_identities (workspace_id, contact_id, channel_id, kind, external_id, "
                    "created_at) VALUES (1, 3, 1, 'whatsapp', '333', :t)"), {"t": T0})
            except sa.exc.IntegrityError:
                pass
            else:
                raise AssertionError("a second identity with the same id on the same channel was accepted")
        await asyncio.to_thread(command.downgrade, cfg, "0005")
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT contact_id, kind, external_id FROM contact_identities "
                                              "ORDER BY contact_id"))
            assert [tuple(r) for r in rows] == [(1, "whatsapp", "111"), (2, "whatsapp", "222"),
                                                (3, "whatsapp", "333"), (5, "whatsapp", "111")]
    finally:
        await engine.dispose()
