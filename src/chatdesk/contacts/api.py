"""REST API v1: contacts."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.deps import api_workspace
from ..core.params import OptionalText, PageNo, PerPage
from ..core.runtime import Runtime, use_runtime
from . import merge, service, suggestions, timeline
from .models import Contact, ContactIdentity
from .schemas import (
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


def contact_out(contact: Contact, idents: list[ContactIdentity]) -> ContactOut:
    return ContactOut(id=contact.id, name=contact.name, phone=contact.phone, email=contact.email,
                      language=contact.language, attributes=contact.attributes or {},
                      identities=[identity_out(i) for i in idents],
                      created_at=contact.created_at, updated_at=contact.updated_at)


def identity_out(i: ContactIdentity) -> IdentityOut:
    return IdentityOut(id=i.id, channel_id=i.channel_id, channel=i.kind, kind=i.kind, external_id=i.external_id,
                       id_type=i.id_type, profile_name=i.profile_name, username=i.username,
                       parent_user_id=i.parent_user_id, display=i.username or i.profile_name or i.external_id,
                       phone=i.phone, email=i.email, verified=i.verified, created_at=i.created_at)


@router.get("/contacts")
async def list_contacts(ws: Workspace, rt: Rt, q: OptionalText = None, page: PageNo = 1,
                        per_page: PerPage = 25) -> dict:
    """Contacts, newest first, optionally searched by name prefix (any case), by username prefix
    (``robin`` or ``@rob`` finds @robin.vale) or by the end of the phone number (``612000444``,
    ``0612000444`` and ``+31 6 1200 0444`` all find +31612000444).
    ``total`` is counted up to 10,000: 10,000 means "at least 10,000"."""
    async with rt.db.reader() as session:
        contacts, total = await service.search_contacts(session, ws, q=q, page=page, per_page=per_page)
        idents = await service.identities(session, [c.id for c in contacts])
    return {"items": [contact_out(c, idents[c.id]).model_dump(mode="json") for c in contacts],
            "page": page, "per_page": per_page, "total": total}


@router.get("/contacts/{contact_id}", response_model=ContactOut)
async def get_contact(contact_id: int, ws: Workspace, rt: Rt):
    """A contact and its identities. A contact merged into another answers 404 with code
    ``contact_merged`` and ``merged_into_id``."""
    async with rt.db.reader() as session:
        contact = await merge.live_contact(session, ws, contact_id)
        idents = await service.identities(session, [contact.id])
    return contact_out(contact, idents[contact.id])


async def _out(session: AsyncSession, contact_id: int) -> ContactOut:
    contact = await session.get_one(Contact, contact_id)
    return contact_out(contact, (await service.identities(session, [contact_id]))[contact_id])


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
