"""REST API v1 for working a queue: bulk actions on conversations (saved views follow). Thin:
parse, call a service, render."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..accounts.deps import api_workspace
from ..core.runtime import Runtime, use_runtime
from . import bulk, triage

router = APIRouter(prefix="/api/v1", tags=["conversations"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]


class BulkIn(BaseModel):
    """What to do to which conversations. ``assign`` takes ``assignee_id`` and/or ``team_id``
    (null clears); ``label`` adds ``label_ids``; ``snooze`` needs ``snoozed_until``."""

    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(min_length=1, max_length=bulk.MAX_IDS)
    action: bulk.BulkAction
    assignee_id: int | None = None
    team_id: int | None = None
    label_ids: list[int] = Field(default_factory=list, max_length=100)
    snoozed_until: datetime | None = None

    @field_validator("snoozed_until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone (e.g. 2026-12-01T09:00:00Z)")
        return value


class BulkOut(BaseModel):
    action: bulk.BulkAction
    updated: list[int] = Field(description="the conversations changed")
    ignored: list[int] = Field(description="ids that are no conversation of this workspace: left alone")


@router.post("/conversations/bulk", response_model=BulkOut)
async def bulk_action(body: BulkIn, ws: Workspace, rt: Rt) -> BulkOut:
    """Apply one action to many conversations in one transaction: all change, or none does."""
    given = body.model_fields_set
    what = bulk.Bulk(body.action, assignee_id=body.assignee_id if "assignee_id" in given else triage.UNSET,
                     team_id=body.team_id if "team_id" in given else triage.UNSET,
                     label_ids=tuple(body.label_ids), snooze_until=body.snoozed_until)
    async with rt.db.session() as session:
        result = await bulk.apply(session, ws, body.ids, what, now=rt.clock.now())
    return BulkOut(action=body.action, updated=result.updated, ignored=result.ignored)
