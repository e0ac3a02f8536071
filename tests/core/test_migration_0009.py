"""Migration 0009 (WhatsApp user ids) keeps the identities a database has: every WhatsApp one so
far is a phone number, the others keep the default kind of id; the rows take a parent user id
("CC.ENT." + 128 characters) and a username from then on. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from chatdesk.core.migrate import alembic_config
from chatdesk.models import Channel, Contact, Workspace

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PARENT = "NL.ENT." + "7" * 128



async def _insert(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert only the columns the rows name: today's model has columns (some with Python-side
    defaults) that the old schema under test does not have yet."""
    t = model.__table__
    await conn.execute(sa.insert(sa.table(t.name, *[sa.column(k, t.c[k].type) for k in rows[0]])), rows)

async def _seed(conn: sa.AsyncConnection) -> None:
    await _insert(conn, Workspace, [
        {"id": 1, "slug": "ws1", "name": "WS", "timezone": "UTC", "created_at": T0}])
    await _insert(conn, Channel, [
        {"id": c, "workspace_id": 1, "kind": kind, "name": f"n{c}", "external_id": f"10{c}", "display": "",
         "config": {}, "secrets": "x", "rate_limit_mps": 80.0, "health": {}, "created_at": T0}
        for c, kind in ((1, "whatsapp"), (2, "messenger"))])
    await _insert(conn, Contact, [
        {"id": c, "workspace_id": 1, "name": f"contact {c}", "attributes": {}, "created_at": T0, "updated_at": T0}
        for c in (1, 2)])
    await conn.execute(sa.text(
        "INSERT INTO contact_identities (workspace_id, contact_id, channel_id, kind, external_id, profile_name, "
        "created_at) VALUES (1, 1, 1, 'whatsapp', '31612000001', 'Noor', :t), "
        "(1, 2, 2, 'messenger', '7001', 'Sam', :t)"), {"t": T0})


async def _rows(conn: sa.AsyncConnection, columns: str) -> list[tuple]:
    return [tuple(r) for r in await conn.execute(sa.text(f"SELECT {columns} FROM contact_identities ORDER BY id"))]


async def test_existing_identities_become_phone_ids_and_user_ids_fit(db_url):
    cfg = alembic_config(db_url)
    await asyncio.to_thread(command.upgrade, cfg, "0008")
    engine = create_async_engine(db_url)
    try:
        async with engine.begin() as conn:
            await _seed(conn)
        await asyncio.to_thread(command.upgrade, cfg, "0009")
        async with engine.begin() as conn:
            assert await _rows(conn, "contact_id, channel_id, kind, external_id, profile_name, id_type, username, "
                                     "parent_user_id") == [
                (1, 1, "whatsapp", "31612000001", "Noor", "phone", None, None),
                (2, 2, "messenger", "7001", "Sam", "id", None, None)]
            await conn.execute(sa.text(
                "INSERT INTO contact_identities (workspace_id, contact_id, channel_id, kind, external_id, id_type, "
                "username, parent_user_id, created_at) "
                "VALUES (1, 1, 1, 'whatsapp', :bsuid, 'user_id', '@noor', :bsuid, :t)"), {"bsuid": PARENT, "t": T0})
            assert (await _rows(conn, "external_id, username"))[-1] == (PARENT, "@noor")
        await asyncio.to_thread(command.downgrade, cfg, "0008")
        async with engine.connect() as conn:   # user ids go, the numbers stay
            assert await _rows(conn, "contact_id, kind, external_id, profile_name") == [
                (1, "whatsapp", "31612000001", "Noor"), (2, "messenger", "7001", "Sam")]
    finally:
        await engine.dispose()
