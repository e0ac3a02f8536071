"""REST API v1 for working a queue: bulk actions on conversations, and the workspace's shared
saved views (the API acts for the workspace, not an agent). Thin: parse, call a service, render."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.deps import api_workspace
from ..core.runtime import Runtime, use_runtime
from . import bulk, triage, views_saved
from .models import SavedView

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


class ViewFilters(BaseModel):
    """The inbox's filters; left out means any. ``view``: all, mine or unassigned; ``sort``:
    newest, oldest or waiting."""

    model_config = ConfigDict(extra="forbid")

    view: str = "all"
    status: str = "open"
    channel_id: int | None = None
    label_id: int | None = None
    team_id: int | None = None
    q: str = Field(default="", max_length=100)
    sort: str = "newest"


class ViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    filters: ViewFilters = Field(default_factory=ViewFilters)


class ViewPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=64)
    filters: ViewFilters | None = None


class ViewOut(BaseModel):
    id: int
    name: str
    shared: bool
    filters: ViewFilters
    count: int = Field(description="conversations the view holds now")


async def _out(session: AsyncSession, ws: int, view: SavedView, now: datetime) -> ViewOut:
    counted = await views_saved.counts(session, ws, [view], user_id=0, now=now)
    shown = views_saved.filters_of(view.filters)
    return ViewOut(id=view.id, name=view.name, shared=view.user_id is None, count=counted[view.id],
                   filters=ViewFilters(**{k: getattr(shown, k) for k in views_saved.FILTER_FIELDS}))


@router.get("/views", response_model=list[ViewOut])
async def list_views(ws: Workspace, rt: Rt) -> list[ViewOut]:
    """The workspace's shared views, by name, with their counts."""
    async with rt.db.reader() as session:
        return [await _out(session, ws, v, rt.clock.now()) for v in await views_saved.list_views(session, ws, None)]


@router.post("/views", response_model=ViewOut, status_code=201)
async def create_view(body: ViewIn, ws: Workspace, rt: Rt) -> ViewOut:
    async with rt.db.session() as session:
        view = await views_saved.create_view(session, ws, None, name=body.name, shared=True, now=rt.clock.now(),
                                             filters=views_saved.filters_of(body.filters.model_dump()))
        return await _out(session, ws, view, rt.clock.now())


@router.patch("/views/{view_id}", response_model=ViewOut)
async def patch_view(view_id: int, body: ViewPatch, ws: Workspace, rt: Rt) -> ViewOut:
    async with rt.db.session() as session:
        view = await views_saved.get_view(session, ws, None, view_id)
        filters = views_saved.filters_of(body.filters.model_dump()) if body.filters else None
        await views_saved.update_view(session, view, None, True, now=rt.clock.now(), name=body.name, filters=filters)
        return await _out(session, ws, view, rt.clock.now())


@router.delete("/views/{view_id}", status_code=204)
async def delete_view(view_id: int, ws: Workspace, rt: Rt) -> Response:
    async with rt.db.session() as session:
        await views_saved.delete_view(session, await views_saved.get_view(session, ws, None, view_id), None, True)
    return Response(status_code=204)
