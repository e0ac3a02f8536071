"""REST API v1: contacts (list with filters, read, change profile and attributes)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.deps import api_workspace
from ..core.errors import Problem
from ..core.params import OptionalText, PageNo, PerPage
from ..core.runtime import Runtime, use_runtime
from . import attribute_service, directory, merge, service, suggestions, timeline
from . import labels as contact_labels
from .attributes import BadValue
from .models import Contact, ContactIdentity
from .schemas import (
    ContactIn,
    ContactOut,
    IdentityOut,
    MergeIn,
    SuggestionOut,
    TimelineItemOut,
    TimelineOut,
    UnmergeIn,
    UnmergeOut,
)

router = APIRouter(prefix="/api/v1", tags=["contacts"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]


def contact_out(contact: Contact, idents: list[ContactIdentity], labels: list[str] | None = None) -> ContactOut:
    return ContactOut(id=contact.id, name=contact.name, phone=contact.phone, email=contact.email,
                      language=contact.language, attributes=contact.attributes or {},
                      identities=[identity_out(i) for i in idents],
                      labels=labels or [], created_at=contact.created_at, updated_at=contact.updated_at)


def bad_filter(exc: BadValue) -> Problem:
    return Problem(422, "invalid_filter", "Invalid filter", str(exc))


def identity_out(i: ContactIdentity) -> IdentityOut:
    return IdentityOut(id=i.id, channel_id=i.channel_id, channel=i.kind, kind=i.kind, external_id=i.external_id,
                       id_type=i.id_type, profile_name=i.profile_name, username=i.username,
                       parent_user_id=i.parent_user_id, display=i.username or i.profile_name or i.external_id,
                       phone=i.phone, email=i.email, verified=i.verified, created_at=i.created_at)


@router.get("/contacts")
async def list_contacts(request: Request, ws: Workspace, rt: Rt, q: OptionalText = None, page: PageNo = 1,
                        per_page: PerPage = 25, label: OptionalText = None, channel_id: int | None = None) -> dict:
    """Contacts, newest first, optionally searched by name prefix (any case), by username prefix
    (``robin`` or ``@rob`` finds @robin.vale), by email, by a whole phone number in any format
    (national numbers read in the workspace's default region) or by the end of the number
    (``612000444``, ``0612000444`` and ``+31 6 1200 0444`` all find +31612000444); filtered by
    ``label``, ``channel_id`` and attributes: ``attr.KEY=VALUE``, and for numbers and dates
    ``attr.KEY__gte`` / ``__lte`` / ``__gt`` / ``__lt``.
    ``total`` is counted up to 10,000: 10,000 means "at least 10,000"."""
    async with rt.db.reader() as session:
        defs = await attribute_service.defs_by_key(session, ws)
        try:
            f = directory.Filters(q=q, label=label, channel_id=channel_id,
                                  attrs=directory.parse_attr_params(list(request.query_params.multi_items())))
            stmt = directory.query(ws, f, defs, await service.default_region(session, ws))
        except BadValue as exc:
            raise bad_filter(exc) from None
        contacts, total = await directory.numbered_page(session, stmt, page=page, per_page=per_page)
        ids = [c.id for c in contacts]
        idents, names = await service.identities(session, ids), await contact_labels.of_contacts(session, ids)
    return {"items": [contact_out(c, idents[c.id], names[c.id]).model_dump(mode="json") for c in contacts],
            "page": page, "per_page": per_page, "total": total}


@router.get("/contacts/{contact_id}", response_model=ContactOut)
async def get_contact(contact_id: int, ws: Workspace, rt: Rt):
    """A contact and its identities. A contact merged into another answers 404 with code
    ``contact_merged`` and ``merged_into_id``."""
    async with rt.db.reader() as session:
        contact = await merge.live_contact(session, ws, contact_id)
        idents = await service.identities(session, [contact.id])
        names = await contact_labels.of_contacts(session, [contact.id])
    return contact_out(contact, idents[contact.id], names[contact.id])


async def _out(session: AsyncSession, contact_id: int) -> ContactOut:
    contact = await session.get_one(Contact, contact_id)
    labels = (await contact_labels.of_contacts(session, [contact_id]))[contact_id]
    return contact_out(contact, (await service.identities(session, [contact_id]))[contact_id], labels)


@router.post("/contacts/{contact_id}/merge", response_model=ContactOut)
async def merge_contacts(contact_id: int, body: MergeIn, ws: Workspace, rt: Rt):
    """Merge contact ``body.contact_id`` INTO this one: identities, conversations, consents and
    attributes move (this contact's values win a clash; the other's are kept in the timeline
    event); the other is marked merged (kept for ``unmerge``, hidden from lists)."""
    async with rt.db.session() as session:
        await merge.merge(session, ws, contact_id, body.contact_id, actor="api", now=rt.clock.now())
        return await _out(session, contact_id)


@router.post("/contacts/{contact_id}/unmerge", response_model=UnmergeOut)
async def unmerge_identity(contact_id: int, body: UnmergeIn, ws: Workspace, rt: Rt):
    """Split an identity off into a contact again (the one it was merged from, restored, or a
    new one), with its channel's conversations."""
    async with rt.db.session() as session:
        moved = await merge.unmerge(session, ws, contact_id, body.identity_id, actor="api", now=rt.clock.now())
        return UnmergeOut(contact=await _out(session, moved.contact_id), split=await _out(session, moved.other_id))


@router.get("/contacts/{contact_id}/timeline", response_model=TimelineOut)
async def contact_timeline(contact_id: int, ws: Workspace, rt: Rt, cursor: OptionalText = None,
                           limit: Annotated[int, Query(ge=1, le=timeline.LIMIT_MAX)] = 25):
    """Every conversation and event of the contact, newest first; ``next_cursor`` pages on."""
    async with rt.db.reader() as session:
        contact = await merge.live_contact(session, ws, contact_id)
        items, nxt = await timeline.page(session, contact.id, cursor=cursor, limit=limit)
    return TimelineOut(items=[TimelineItemOut(type=i.type, id=i.id, at=i.at, kind=i.kind, data=i.data,
                                              actor=i.actor) for i in items], next_cursor=nxt)


@router.get("/contacts/{contact_id}/suggestions", response_model=list[SuggestionOut])
async def merge_suggestions(contact_id: int, ws: Workspace, rt: Rt):
    """Contacts that may be the same customer (open merge suggestions)."""
    async with rt.db.reader() as session:
        contact = await merge.live_contact(session, ws, contact_id)
        found = await suggestions.open_for(session, contact.id)
    return [SuggestionOut(id=s.id, contact_id=c.id, name=c.name, reason=s.reason, created_at=s.created_at)
            for s, c in found]


@router.post("/contacts/{contact_id}/suggestions/{suggestion_id}/dismiss", status_code=204)
async def dismiss_suggestion(contact_id: int, suggestion_id: int, ws: Workspace, rt: Rt) -> None:
    async with rt.db.session() as session:
        await suggestions.dismiss(session, ws, contact_id, suggestion_id, actor="api", now=rt.clock.now())


@router.patch("/contacts/{contact_id}", response_model=ContactOut)
async def patch_contact(contact_id: int, body: ContactIn, ws: Workspace, rt: Rt):
    """Change a contact's name, email, language or attributes (``{"attributes": {"city": "Utrecht"}}``;
    ``null`` clears one). A value that does not fit its attribute is a 422 naming the key."""
    async with rt.db.session() as session:
        contact = await service.get_contact(session, ws, contact_id)
        changes = body.model_dump(exclude_unset=True, exclude={"attributes"})
        if changes.get("name", "") is None:  # a contact always has a name
            raise Problem(422, "invalid_contact", "Invalid contact", "name: may not be empty")
        await service.update_profile(session, contact, changes, now=rt.clock.now())
        if body.attributes:
            await attribute_service.set_values(session, ws, contact, body.attributes)
        idents = await service.identities(session, [contact.id])
        names = await contact_labels.of_contacts(session, [contact.id])
        return contact_out(contact, idents[contact.id], names[contact.id])

