"""Saved views: named inbox filters (status, assignee view, team, label, channel, search text,
sort), an agent's own or shared with the workspace (``user_id`` None), with how many
conversations each holds now. Agents edit their own views; shared ones are edited by whoever
made them, by admins, and through the REST API (which acts for the workspace)."""
from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_in_workspace
from ..core.errors import Problem, not_found
from . import inbox_queries
from .inbox_queries import InboxFilter
from .models import SavedView

MAX_VIEWS = 50  # per agent, shared ones included
FILTER_FIELDS = ("view", "status", "channel_id", "label_id", "team_id", "q", "sort")


def filters_of(values: dict[str, Any]) -> InboxFilter:
    """Stored or given filters as the inbox reads them (unknown keys dropped, values normalised)."""
    given = {k: v for k, v in values.items() if k in FILTER_FIELDS and v is not None}
    for key in ("channel_id", "label_id", "team_id"):
        if key in given and not isinstance(given[key], int):
            raise Problem(422, "invalid_filters", f"{key} is a number")
    try:
        return InboxFilter(**given).normalised()
    except TypeError:
        raise Problem(422, "invalid_filters", "The filters are not valid") from None


QUERY_NAMES = {"channel_id": "channel", "label_id": "label", "team_id": "team"}  # the inbox's query parameters


def query_of(view: SavedView) -> str:
    """The inbox URL's query string that shows ``view`` (what its link opens)."""
    f = asdict(filters_of(view.filters))
    return urlencode({QUERY_NAMES.get(k, k): v for k, v in f.items() if v not in (None, "")} | {"saved": view.id})


def _name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip()[:64]
    if not name:
        raise Problem(422, "invalid_name", "A view needs a name")
    return name


async def list_views(session: AsyncSession, workspace_id: int, user_id: int | None) -> list[SavedView]:
    """The shared views and (for an agent) their own, by name."""
    mine = or_(SavedView.user_id.is_(None), SavedView.user_id == user_id) if user_id else SavedView.user_id.is_(None)
    return list((await session.execute(select(SavedView).where(SavedView.workspace_id == workspace_id, mine)
                                       .order_by(SavedView.name, SavedView.id))).scalars())


async def get_view(session: AsyncSession, workspace_id: int, user_id: int | None, view_id: int) -> SavedView:
    view = await get_in_workspace(session, SavedView, workspace_id, view_id)
    if view.user_id is not None and view.user_id != user_id:
        raise not_found("View")  # another agent's own view: as if it did not exist
    return view


async def create_view(session: AsyncSession, workspace_id: int, user_id: int | None, *, name: str,
                      filters: InboxFilter, shared: bool, now: datetime) -> SavedView:
    if len(await list_views(session, workspace_id, user_id)) >= MAX_VIEWS:
        raise Problem(422, "too_many_views", f"At most {MAX_VIEWS} views")
    view = SavedView(workspace_id=workspace_id, user_id=None if shared or user_id is None else user_id,
                     name=_name(name), filters=asdict(filters), created_by=user_id, created_at=now, updated_at=now)
    session.add(view)
    await session.flush()
    return view


def may_edit(view: SavedView, user_id: int | None, is_admin: bool) -> bool:
    """Own views by their agent; shared ones by whoever made them, admins, and the API (None)."""
    return user_id is None or is_admin or view.user_id == user_id or view.created_by == user_id


async def update_view(session: AsyncSession, view: SavedView, user_id: int | None, is_admin: bool, *,
                      now: datetime, name: str | None = None, filters: InboxFilter | None = None) -> SavedView:
    if not may_edit(view, user_id, is_admin):
        raise Problem(403, "forbidden", "Only its author or an admin may change a shared view")
    if name is not None:
        view.name = _name(name)
    if filters is not None:
        view.filters = asdict(filters)
    view.updated_at = now
    await session.flush()
    return view


async def delete_view(session: AsyncSession, view: SavedView, user_id: int | None, is_admin: bool) -> None:
    if not may_edit(view, user_id, is_admin):
        raise Problem(403, "forbidden", "Only its author or an admin may delete a shared view")
    await session.delete(view)
    await session.flush()


async def counts(session: AsyncSession, workspace_id: int, views: list[SavedView], *, user_id: int,
                 now: datetime) -> dict[int, int]:
    """How many conversations each view holds now (for the agent: "mine" is theirs)."""
    return {v.id: await inbox_queries.count_matching(session, workspace_id, filters_of(v.filters),
                                                     user_id=user_id, now=now) for v in views}
