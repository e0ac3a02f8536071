"""Labels on contacts. The labels themselves are the workspace's (the ``labels`` table the
conversations domain owns); this module reads and creates them through a bare table reference
so contacts need not import conversations (imports point the other way)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String, delete, insert, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from .models import ContactLabel

labels = table("labels", Column("id", Integer), Column("workspace_id", Integer), Column("name", String),
               Column("color", String), Column("created_at", DateTime(timezone=True)))
MAX_NAME = 64


async def label_ids(session: AsyncSession, workspace_id: int, names: Iterable[str], *, now: datetime,
                    create: bool = True) -> dict[str, int]:
    """The ids of these label names (created when missing and ``create``), by name."""
    wanted = {n.strip()[:MAX_NAME] for n in names if n.strip()}
    if not wanted:
        return {}
    found = dict((await session.execute(select(labels.c.name, labels.c.id).where(
        labels.c.workspace_id == workspace_id, labels.c.name.in_(wanted)))).all())
    for name in sorted(wanted - set(found)) if create else ():
        found[name] = (await session.execute(insert(labels).values(
            workspace_id=workspace_id, name=name, color="slate", created_at=now).returning(labels.c.id))).scalar_one()
    return found


async def workspace_labels(session: AsyncSession, workspace_id: int) -> list[tuple[int, str]]:
    return list((await session.execute(select(labels.c.id, labels.c.name).where(
        labels.c.workspace_id == workspace_id).order_by(labels.c.name))).all())


async def add(session: AsyncSession, pairs: Iterable[tuple[int, int]]) -> int:
    """Put labels on contacts (``(contact_id, label_id)`` pairs); those already there stay. The count added."""
    pairs = set(pairs)
    if not pairs:
        return 0
    contact_ids = {c for c, _ in pairs}
    have = set((await session.execute(select(ContactLabel.contact_id, ContactLabel.label_id).where(
        ContactLabel.contact_id.in_(contact_ids)))).all())
    new = sorted(pairs - have)
    if new:
        await session.execute(insert(ContactLabel), [{"contact_id": c, "label_id": lab} for c, lab in new])
    return len(new)


async def remove(session: AsyncSession, contact_id: int, label_id: int) -> None:
    await session.execute(delete(ContactLabel).where(ContactLabel.contact_id == contact_id,
                                                     ContactLabel.label_id == label_id))


async def of_contacts(session: AsyncSession, contact_ids: list[int]) -> dict[int, list[str]]:
    """Each contact's label names, sorted."""
    out: dict[int, list[str]] = {c: [] for c in contact_ids}
    if contact_ids:
        rows = await session.execute(select(ContactLabel.contact_id, labels.c.name)
                                     .join(labels, labels.c.id == ContactLabel.label_id)
                                     .where(ContactLabel.contact_id.in_(contact_ids)).order_by(labels.c.name))
        for contact_id, name in rows.all():
            out[contact_id].append(name)
    return out
