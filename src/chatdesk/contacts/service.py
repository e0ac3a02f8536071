"""Finding, creating and reading contacts. A channel identity (wa_id, PSID...) resolves to one
contact; the profile name the platform reports is kept up to date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.errors import not_found
from ..core.events import emit
from .events import ContactCreated, ContactUpdated
from .models import Contact, ContactIdentity, name_key


@dataclass(frozen=True)
class Sender:
    """Who wrote in, as the channel reports them."""

    external_id: str
    profile_name: str | None
    phone: str | None


async def resolve_identity(session: AsyncSession, *, workspace_id: int, kind: str, external_id: str,
                           profile_name: str | None, phone: str | None, now: datetime) -> Contact:
    """The contact behind a channel identity, created on first contact."""
    found = await resolve_identities(session, workspace_id=workspace_id, kind=kind,
                                     senders=[Sender(external_id, profile_name, phone)], now=now)
    return found[external_id]


async def resolve_identities(session: AsyncSession, *, workspace_id: int, kind: str,
                             senders: list[Sender], now: datetime) -> dict[str, Contact]:
    """Contacts for many senders at once (a webhook batch): one query for the known ones,
    one flush for the new ones. The platform's latest profile name is kept up to date."""
    latest = {s.external_id: s for s in senders}  # the last report of each sender wins
    rows = (await session.execute(
        select(Contact, ContactIdentity).join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(ContactIdentity.workspace_id == workspace_id, ContactIdentity.kind == kind,
               ContactIdentity.external_id.in_(list(latest))))).all()
    found: dict[str, Contact] = {}
    for contact, identity in rows:
        if _follow_profile_name(contact, identity, latest[identity.external_id], now):
            emit(session, ContactUpdated(workspace_id=workspace_id, contact_id=contact.id, fields=("name",)))
        found[identity.external_id] = contact
    new = {eid: Contact(workspace_id=workspace_id, name=s.profile_name or (s.phone or eid), phone=s.phone,
                        attributes={}, created_at=now, updated_at=now)
           for eid, s in latest.items() if eid not in found}
    if new:
        session.add_all(new.values())
        await session.flush()
        session.add_all([ContactIdentity(workspace_id=workspace_id, contact_id=c.id, kind=kind, external_id=eid,
                                         profile_name=latest[eid].profile_name, created_at=now)
                         for eid, c in new.items()])
        for contact in new.values():
            emit(session, ContactCreated(workspace_id=workspace_id, contact_id=contact.id))
        found.update(new)
    return found


def _follow_profile_name(contact: Contact, identity: ContactIdentity, sender: Sender, now: datetime) -> bool:
    """True when the contact's name changed."""
    name = sender.profile_name
    if not name or identity.profile_name == name:
        return False
    renamed = False
    # Follow the platform's profile name unless an agent renamed the contact.
    if contact.name in (identity.profile_name, sender.phone, identity.external_id, ""):
        renamed = contact.name != name
        contact.name = name
    identity.profile_name = name
    contact.updated_at = now
    return renamed


async def get_contact(session: AsyncSession, workspace_id: int, contact_id: int) -> Contact:
    contact = await session.get(Contact, contact_id)
    if contact is None or contact.workspace_id != workspace_id:
        raise not_found("Contact")
    return contact


async def identities(session: AsyncSession, contact_ids: list[int]) -> dict[int, list[ContactIdentity]]:
    out: dict[int, list[ContactIdentity]] = {i: [] for i in contact_ids}
    if contact_ids:
        for ident in (await session.execute(select(ContactIdentity).where(
                ContactIdentity.contact_id.in_(contact_ids)).order_by(ContactIdentity.id))).scalars():
            out[ident.contact_id].append(ident)
    return out


async def identity_for(session: AsyncSession, contact_id: int, kind: str) -> ContactIdentity | None:
    return (await session.execute(select(ContactIdentity).where(
        ContactIdentity.contact_id == contact_id, ContactIdentity.kind == kind)
        .order_by(ContactIdentity.id).limit(1))).scalar_one_or_none()


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


async def search_contacts(session: AsyncSession, workspace_id: int, *, q: str | None, page: int,
                          per_page: int) -> tuple[list[Contact], int]:
    """Contacts by name prefix (case-insensitive) or by the last digits of their number, newest
    first. The total is counted up to ``TOTAL_CAP``."""
    query = select(Contact).where(Contact.workspace_id == workspace_id)
    if q and (key := name_key(q.strip())):
        conds = [_prefix(Contact.name_key, key)]
        if digits := _phone_digits(q):
            conds.append(_prefix(Contact.phone_key, digits[::-1]))
        query = query.where(or_(*conds))
    capped = query.with_only_columns(Contact.id).limit(TOTAL_CAP).subquery()
    total = (await session.execute(select(func.count()).select_from(capped))).scalar_one()
    rows = (await session.execute(query.order_by(Contact.id.desc())
                                  .offset((page - 1) * per_page).limit(per_page))).scalars()
    return list(rows), total
