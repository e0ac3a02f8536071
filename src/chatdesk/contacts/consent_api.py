"""REST API v1: a contact's consent ledger (history and current state; record an entry)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError

from ..accounts.deps import api_workspace
from ..channels.models import Channel
from ..core.errors import Problem
from ..core.runtime import Runtime, use_runtime
from . import consent, consent_policy, service
from .models import Consent
from .schemas import ConsentIn, ConsentOut, ConsentsOut

router = APIRouter(prefix="/api/v1", tags=["contacts"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]


def consent_out(row: Consent) -> ConsentOut:
    return ConsentOut(id=row.id, channel_id=row.channel_id, purpose=row.purpose, status=row.status,
                      source=row.source, reference=row.reference, note=row.note, recorded_by=row.recorded_by,
                      at=row.at)


@router.get("/contacts/{contact_id}/consents", response_model=ConsentsOut)
async def list_consents(contact_id: int, ws: Workspace, rt: Rt):
    async with rt.db.reader() as session:
        contact = await service.get_contact(session, ws, contact_id)
        rows = await consent.history(session, contact.id)
    return ConsentsOut(items=[consent_out(r) for r in rows],
                       current=[consent_out(r) for r in consent_policy.current(rows).values()])


@router.post("/contacts/{contact_id}/consents", response_model=ConsentOut, status_code=201,
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": ConsentIn.model_json_schema()}},
                                            "required": True}})
async def record_consent(contact_id: int, request: Request, ws: Workspace, rt: Rt):
    """Record an opt-in or opt-out (``ConsentIn``). Another workspace's contact answers 404
    whatever the body says: the contact is found before the body is read."""
    async with rt.db.session() as session:
        contact = await service.get_contact(session, ws, contact_id)
        body = _consent_in(await request.body())
        channel_id = body.channel_id or await consent.last_channel_id(session, contact.id)
        if channel_id is None:
            raise Problem(422, "channel_required", "Which channel does the consent apply to?",
                          "The contact has no conversation yet: give channel_id.")
        channel = await session.get(Channel, channel_id)
        if channel is None or channel.workspace_id != ws:
            raise Problem(422, "unknown_channel", "The channel is not one of this workspace's")
        row = await consent.record(session, workspace_id=ws, contact_id=contact.id, channel_id=channel_id,
                                   entry=consent.Record(purpose=body.purpose, status=body.status, source=body.source,
                                                        reference=body.reference, note=body.note, recorded_by="api"),
                                   now=rt.clock.now())
        return consent_out(row)


def _consent_in(raw: bytes) -> ConsentIn:
    try:
        return ConsentIn.model_validate_json(raw)
    except ValidationError as exc:
        found = exc.errors(include_url=False)
        raise Problem(422, "invalid_consent", "The consent is not valid", str(found[0]["msg"]),
                      errors=[{"loc": list(e["loc"]), "msg": e["msg"]} for e in found]) from None
