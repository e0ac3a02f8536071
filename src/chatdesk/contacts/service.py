"""Finding, creating and reading contacts. A channel identity (wa_id, PSID...) resolves to one
contact; the profile name the platform reports is kept up to date."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.errors import not_found
from .models import Contact, ContactIdentity


async def resolve_identity(session: AsyncSession, *, workspace_id: int, kind: str, external_id: str,
                           profile_name: str | None, phone: str | None, now: datetime) -> Contact:
    """The contact behind a channel identity, created on first contact."""
    row = (await session.execute(
        select(Contact, ContactIdentity).join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(ContactIdentity.workspace_id == workspace_id, ContactIdentity.kind == kind,
               ContactIdentity.external_id == external_id))).first()
    if row is None:
        contact = Contact(workspace_id=workspace_id, name=profile_name or (phone or external_id),
                          phone=phone, attributes={}, created_at=now, updated_at=now)
        session.add(contact)
        await session.flush()
        session.add(ContactIdentity(workspace_id=workspace_id, contact_id=contact.id, kind=kind,
                                    external_id=external_id, profile_name=profile_name, created_at=now))
        await session.flush()
        return contact
    contact, identity = row
    if profile_name and identity.profile_name != profile_name:
        # Follow the platform's profile name unless an agent renamed the contact.
        if contact.name in (identity.profile_name, phone, external_id, ""):
            contact.name = profile_name
        identity.profile_name = profile_name
        contact.updated_at = now
    return contact


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
