"""Reading and searching contacts. (Which contact a channel's ids lead to: ``identities.py``.)"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.models import Workspace
from ..core.db import get_in_workspace
from ..core.errors import Problem
from ..core.events import emit
from .events import ContactUpdated
from .models import Contact, ContactIdentity, name_key


async def get_contact(session: AsyncSession, workspace_id: int, contact_id: int) -> Contact:
    return await get_in_workspace(session, Contact, workspace_id, contact_id)


async def identities(session: AsyncSession, contact_ids: list[int]) -> dict[int, list[ContactIdentity]]:
    out: dict[int, list[ContactIdentity]] = {i: [] for i in contact_ids}
    if contact_ids:
        for ident in (await session.execute(select(ContactIdentity).where(
                ContactIdentity.contact_id.in_(contact_ids)).order_by(ContactIdentity.id))).scalars():
            out[ident.contact_id].append(ident)
    return out


# Totals are counted up to this many rows (an exact count of a big workspace's contacts costs
# more than the page itself); a total equal to TOTAL_CAP means "at least TOTAL_CAP".
TOTAL_CAP = 10_000


def _prefix(column: Any, prefix: str) -> Any:
    """``column`` starts with ``prefix``, as an index range (the key columns compare bytewise)."""
    nxt = ord(prefix[-1]) + 1
    nxt = 0xE000 if 0xD800 <= nxt < 0xE000 else min(nxt, 0x10FFFF)  # no surrogates in UTF-8
    return and_(column >= prefix, column < prefix[:-1] + chr(nxt))


def _phone_digits(q: str) -> str:
    """The digits to match at the end of a number: "+31 6 1200 0444", "0031612000444",
    "0612000444" (national, trunk 0 dropped) and "612000444" all find +31612000444."""
    digits = "".join(ch for ch in q if ch in "0123456789")
    if not q.lstrip().startswith("+"):
        digits = digits[2:] if digits.startswith("00") else digits.removeprefix("0")
    return digits


def number_ends_with(q: str) -> Any | None:
    """Contacts whose number ends with the digits typed in ``q`` (an index range on
    ``phone_key``), or None when ``q`` has fewer than three digits."""
    digits = _phone_digits(q)
    return _prefix(Contact.phone_key, digits[::-1]) if len(digits) >= 3 else None


def name_contains(q: str) -> Any:
    """Contacts whose name contains ``q`` in any case and with or without accents ("muller"
    finds "Müller"): matched against ``name_key``, folded the same way on every database."""
    key = name_key(q.replace("%", "").replace("_", ""))
    return Contact.name_key.like(f"%{key}%")


async def default_region(session: AsyncSession, workspace_id: int) -> str | None:
    """The region phone numbers without a country code are read in (e.g. "NL"), if set."""
    return (await session.execute(select(Workspace.default_region).where(Workspace.id == workspace_id))).scalar()


async def update_profile(session: AsyncSession, contact: Contact, changes: dict[str, Any], *, now: datetime) -> None:
    """Set the profile fields given (name, email, language); emits ContactUpdated naming them."""
    changed = tuple(k for k, v in changes.items() if getattr(contact, k) != v)
    if not changed:
        return
    for key in changed:
        setattr(contact, key, changes[key])
    contact.updated_at = now
    await session.flush()
    emit(session, ContactUpdated(workspace_id=contact.workspace_id, contact_id=contact.id, fields=changed))


async def contacts_by_id(session: AsyncSession, workspace_id: int, ids: list[int]) -> list[Contact]:
    """The workspace's contacts among ``ids`` (others' ids are silently not there)."""
    if not ids:
        return []
    return list((await session.execute(select(Contact).where(Contact.workspace_id == workspace_id,
                                                             Contact.id.in_(ids[:1000])))).scalars())


async def set_default_region(session: AsyncSession, workspace_id: int, region: str) -> None:
    """Set (or with "" clear) the default region; 422 for a region phonenumbers does not know."""
    from .phones import valid_region

    region = region.strip().upper()
    if region and not valid_region(region):
        raise Problem(422, "invalid_region", "Invalid region", f"{region!r} is not a two-letter region code")
    workspace = await session.get(Workspace, workspace_id)
    if workspace is not None:
        workspace.default_region = region or None
        await session.flush()
