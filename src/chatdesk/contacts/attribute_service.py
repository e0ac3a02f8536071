"""A workspace's custom attribute definitions (create, change, delete) and setting a contact's
values; the checks are ``attributes.py`` (pure). Services flush; the caller commits."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_in_workspace
from ..core.errors import Problem
from ..core.events import emit
from . import attributes
from .attributes import BadValue, Def
from .events import ContactUpdated
from .models import AttributeDef, Contact
from .timeline import record_contact_event


def as_def(row: AttributeDef) -> Def:
    return Def(key=row.key, type=row.type, label=row.label, choices=tuple(row.choices or ()))


async def list_defs(session: AsyncSession, workspace_id: int) -> list[AttributeDef]:
    return list((await session.execute(select(AttributeDef).where(AttributeDef.workspace_id == workspace_id)
                                       .order_by(AttributeDef.id))).scalars())


async def defs_by_key(session: AsyncSession, workspace_id: int) -> dict[str, Def]:
    return {row.key: as_def(row) for row in await list_defs(session, workspace_id)}


def _invalid(exc: BadValue, code: str = "invalid_attribute") -> Problem:
    return Problem(422, code, "Invalid attribute", str(exc))


async def create_def(session: AsyncSession, workspace_id: int, *, key: str, label: str, type_: str,
                     choices: list[str] | None, now: datetime) -> AttributeDef:
    try:
        d = attributes.check_def(key, label, type_, choices)
    except BadValue as exc:
        raise _invalid(exc) from None
    if d.key in await defs_by_key(session, workspace_id):
        raise Problem(409, "attribute_exists", "Attribute exists", f"an attribute {key!r} exists already")
    row = AttributeDef(workspace_id=workspace_id, key=d.key, label=d.label, type=d.type, choices=list(d.choices),
                       created_at=now)
    session.add(row)
    await session.flush()
    return row


async def change_def(session: AsyncSession, workspace_id: int, def_id: int, *, label: str | None,
                     choices: list[str] | None) -> AttributeDef:
    """A new label or choice list; the key and type stay (stored values are of that type)."""
    row = await get_in_workspace(session, AttributeDef, workspace_id, def_id)
    try:
        d = attributes.check_def(row.key, label if label is not None else row.label, row.type,
                                 choices if choices is not None else row.choices)
    except BadValue as exc:
        raise _invalid(exc) from None
    row.label, row.choices = d.label, list(d.choices)
    await session.flush()
    return row


async def delete_def(session: AsyncSession, workspace_id: int, def_id: int) -> None:
    """The definition goes; contacts keep their stored values (shown nowhere, exported never)
    until an attribute of that key is defined again."""
    row = await get_in_workspace(session, AttributeDef, workspace_id, def_id)
    await session.delete(row)
    await session.flush()


async def set_values(session: AsyncSession, workspace_id: int, contact: Contact, changes: Mapping[str, Any]) -> None:
    """Apply ``changes`` to the contact's attributes; 422 naming the first bad key."""
    defs = await defs_by_key(session, workspace_id)
    try:
        new = attributes.apply(defs, contact.attributes or {}, changes)
    except BadValue as exc:
        raise Problem(422, "invalid_attribute", "Invalid attribute", str(exc),
                      key=str(exc).split(":", 1)[0]) from None
    changed = sorted(k for k in set(new) | set(contact.attributes or {})
                     if new.get(k) != (contact.attributes or {}).get(k))
    if not changed:
        return
    before = dict(contact.attributes or {})
    contact.attributes = new  # a new dict: the JSON column sees the change
    await session.flush()
    emit(session, ContactUpdated(workspace_id=workspace_id, contact_id=contact.id,
                                 fields=tuple(f"attributes.{k}" for k in changed)))
    await record_contact_event(session, contact.id, "attribute_changed",
                               {"changes": {k: {"from": before.get(k), "to": new.get(k)} for k in changed}}, None)
