"""Finding, creating and reading contacts. A channel identity (wa_id, PSID...) resolves to one
contact; the profile name the platform reports is kept up to date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.errors import not_found
from .models import Contact, ContactIdentity


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
        _follow_profile_name(contact, identity, latest[identity.external_id], now)
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
        found.update(new)
    return found


def _follow_profile_name(contact: Contact, identity: ContactIdentity, sender: Sender, now: datetime) -> None:
    name = sender.profile_name
    if not name or identity.profile_name == name:
        return
    # Follow the platform's profile name unless an agent renamed the contact.
    if contact.name in (identity.profile_name, sender.phone, identity.external_id, ""):
        contact.name = name
    identity.profile_name = name
    contact.updated_at = now


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


async def search_contacts(session: AsyncSession, workspace_id: int, *, q: str | None, page: int,
                          per_page: int) -> tuple[list[Contact], int]:
    """Contacts by name prefix or phone (digits anywhere), newest first."""
    query = select(Contact).where(Contact.workspace_id == workspace_id)
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        conds = [func.lower(Contact.name).like(f"{q.lower()}%")]
        if digits:
            conds.append(Contact.phone.like(f"%{digits}%"))
        query = query.where(or_(*conds))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = (await session.execute(query.order_by(Contact.id.desc())
                                  .offset((page - 1) * per_page).limit(per_page))).scalars()
    return list(rows), total
