"""REST API v1: message templates. ``GET /api/v1/templates`` (filters channel, status, q,
language), ``POST /api/v1/templates`` (create and submit; 422 with the field errors when one of
Meta's rules fails) and ``POST /api/v1/templates/sync``. Thin: parse, call the service, render."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from ...accounts.deps import api_workspace
from ...core.db import get_in_workspace
from ...core.errors import Problem
from ...core.params import OptionalText
from ...core.runtime import Runtime, use_runtime
from ..base import ChannelError
from ..models import Channel
from . import service
from .models import MessageTemplate

router = APIRouter(prefix="/api/v1", tags=["templates"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]


class TemplateOut(BaseModel):
    id: int
    channel_id: int
    name: str
    language: str
    category: str
    status: str = Field(description="APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ...")
    rejected_reason: str | None
    quality: str | None
    parameter_format: str
    components: list[dict[str, Any]] = Field(description="as the provider returns them")
    provider_id: str | None
    synced_at: datetime | None
    updated_at: datetime


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_id: int
    name: str
    language: str
    category: str
    components: list[dict[str, Any]]
    parameter_format: str | None = None


def template_out(row: MessageTemplate) -> TemplateOut:
    return TemplateOut(id=row.id, channel_id=row.channel_id, name=row.name, language=row.language,
                       category=row.category, status=row.status, rejected_reason=row.rejected_reason,
                       quality=row.quality, parameter_format=row.parameter_format, components=row.components,
                       provider_id=row.provider_id, synced_at=row.synced_at, updated_at=row.updated_at)


@router.get("/templates")
async def list_templates(ws: Workspace, rt: Rt, channel: Annotated[int | None, Query()] = None,
                         status: OptionalText = None, q: OptionalText = None,
                         language: OptionalText = None) -> dict[str, Any]:
    async with rt.db.reader() as session:
        rows = await service.list_templates(session, ws, channel_id=channel, status=status, q=q, language=language)
    return {"items": [template_out(r).model_dump(mode="json") for r in rows]}


@router.post("/templates", status_code=201, response_model=TemplateOut)
async def create_template(body: TemplateCreate, ws: Workspace, rt: Rt):
    async with rt.db.reader() as session:
        await get_in_workspace(session, Channel, ws, body.channel_id)
        channel = await rt.channels.by_id(session, body.channel_id)
    assert channel is not None
    row = await service.submit(rt, channel, body.model_dump(exclude={"channel_id"}))
    return template_out(row)


@router.post("/templates/sync")
async def sync_templates(ws: Workspace, rt: Rt) -> dict[str, Any]:
    """Fetch every channel's templates from the provider now."""
    try:
        results = await service.sync_workspace(rt, ws)
    except ChannelError as exc:
        raise Problem(502, "sync_failed", "The platform did not list the templates", str(exc)) from None
    return {"channels": [{"channel_id": r.channel_id, "added": r.added, "updated": r.updated,
                          "removed": r.removed} for r in results]}
