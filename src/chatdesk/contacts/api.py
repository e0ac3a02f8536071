"""REST API v1: contacts."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ..accounts.deps import api_workspace
from ..core.params import OptionalText, PageNo, PerPage
from ..core.runtime import Runtime, use_runtime
from . import service
from .models import Contact, ContactIdentity
from .schemas import ContactOut, IdentityOut

router = APIRouter(prefix="/api/v1", tags=["contacts"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]


def contact_out(contact: Contact, idents: list[ContactIdentity]) -> ContactOut:
    return ContactOut(id=contact.id, name=contact.name, phone=contact.phone, email=contact.email,
                      language=contact.language, attributes=contact.attributes or {},
                      identities=[IdentityOut(channel_id=i.channel_id, kind=i.kind, external_id=i.external_id,
                                              id_type=i.id_type, profile_name=i.profile_name, username=i.username,
                                              parent_user_id=i.parent_user_id) for i in idents],
                      created_at=contact.created_at, updated_at=contact.updated_at)


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
    async with rt.db.reader() as session:
        contact = await service.get_contact(session, ws, contact_id)
        idents = await service.identities(session, [contact.id])
    return contact_out(contact, idents[contact.id])
