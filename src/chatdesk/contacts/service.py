"""Finding, creating and reading contacts. A channel identity (wa_id, PSID...) resolves to one
contact; the profile name the platform reports is kept up to date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_in_workspace
from ..core.events import emit
from .events import ContactCreated, ContactUpdated
from .models import Contact, ContactIdentity, name_key


@dataclass(frozen=True)
class Sender:
    """Who wrote in, as the channel reports them."""

    external_id: str
    profile_name: str | None
    phone: str | None


@dataclass(frozen=True)
class IdentityChannel:
    """The channel a sender wrote on: its id, workspace, kind and whether the kind's ids are
    the same on every channel of the workspace (``identity_scope`` "global": WhatsApp's wa_id
    is the phone number) or scoped to this channel ("channel": Messenger PSID, Instagram IGSID)."""

    id: int
    workspace_id: int
    kind: str
    identity_scope: str


async def resolve_identity(session: AsyncSession, *, channel: IdentityChannel, external_id: str,
                           profile_name: str | None, phone: str | None, now: datetime) -> Contact:
    """The contact behind a channel identity, created on first contact."""
    found = await resolve_identities(session, channel=channel, senders=[Sender(external_id, profile_name, phone)],
                                     now=now)
    return found[external_id]


async def resolve_identities(session: AsyncSession, *, channel: IdentityChannel, senders: list[Sender],
                             now: datetime) -> dict[str, Contact]:
    """Contacts for many senders on one channel at once (a webhook batch): one query for the
    known ones, one flush for the new ones. A sender new to this channel whose id is global
    (WhatsApp) and known on another channel of the workspace keeps that contact and gets an
    identity here; otherwise a new contact is created. Profile names are kept up to date."""
    latest = {s.external_id: s for s in senders}  # the last report of each sender wins
    found = await _known(session, latest, now, ContactIdentity.channel_id == channel.id)
    elsewhere: dict[str, Contact] = {}
    missing = [eid for eid in latest if eid not in found]
    if missing and channel.identity_scope == "global":
        elsewhere = await _known(session, {eid: latest[eid] for eid in missing}, now,
                                 ContactIdentity.workspace_id == channel.workspace_id,
                                 ContactIdentity.kind == channel.kind)
    new = {eid: Contact(workspace_id=channel.workspace_id, name=s.profile_name or (s.phone or eid), phone=s.phone,
                        attributes={}, created_at=now, updated_at=now)
           for eid, s in latest.items() if eid not in found and eid not in elsewhere}
    if new:
        session.add_all(new.values())
        await session.flush()
        for contact in new.values():
            emit(session, ContactCreated(workspace_id=channel.workspace_id, contact_id=contact.id))
    added = {**elsewhere, **new}
    session.add_all([ContactIdentity(workspace_id=channel.workspace_id, contact_id=c.id, channel_id=channel.id,
                                     kind=channel.kind, external_id=eid, profile_name=latest[eid].profile_name,
                                     created_at=now) for eid, c in added.items()])
    return {**found, **added}


async def _known(session: AsyncSession, senders: dict[str, Sender], now: datetime, *where: Any) -> dict[str, Contact]:
    """The contacts of the identities matching ``where`` with these ids (the oldest identity of
    an id wins), their profile names brought up to date."""
    rows = (await session.execute(
        select(Contact, ContactIdentity).join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(*where, ContactIdentity.external_id.in_(list(senders))).order_by(ContactIdentity.id))).all()
    found: dict[str, Contact] = {}
    for contact, identity in rows:
        if identity.external_id not in found:
            if _follow_profile_name(contact, identity, senders[identity.external_id], now):
                emit(session, ContactUpdated(workspace_id=contact.workspace_id, contact_id=contact.id,
                                             fields=("name",)))
            found[identity.external_id] = contact
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
    return await get_in_workspace(session, Contact, workspace_id, contact_id)


async def identities(session: AsyncSession, contact_ids: list[int]) -> dict[int, list[ContactIdentity]]:
    out: dict[int, list[ContactIdentity]] = {i: [] for i in contact_ids}
    if contact_ids:
        for ident in (await session.execute(select(ContactIdentity).where(
                ContactIdentity.contact_id.in_(contact_ids)).order_by(ContactIdentity.id))).scalars():
            out[ident.contact_id].append(ident)
    return out


async def identity_for(session: AsyncSession, contact_id: int, channel_id: int) -> ContactIdentity | None:
    """How the conversation's channel knows the contact: the id a send to them must use."""
    return (await session.execute(select(ContactIdentity).where(
        ContactIdentity.contact_id == contact_id, ContactIdentity.channel_id == channel_id)
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
