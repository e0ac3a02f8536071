"""Merge suggestions: likely matches (``join.py``) an agent merges or dismisses."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ..core.db import get_in_workspace
from ..core.errors import not_found
from .models import Contact, MergeSuggestion


async def open_for(session: AsyncSession, contact_id: int) -> list[tuple[MergeSuggestion, Contact]]:
    """The contact's open suggestions, each with the other contact (merged ones left out)."""
    other = aliased(Contact)
    rows = (await session.execute(
        select(MergeSuggestion, other).join(other, other.id == _other_side(contact_id))
        .where(MergeSuggestion.status == "open",
               or_(MergeSuggestion.contact_id == contact_id, MergeSuggestion.other_id == contact_id),
               other.merged_into_id.is_(None)).order_by(MergeSuggestion.id))).all()
    return [(s, c) for s, c in rows]


def _other_side(contact_id: int) -> Any:
    return case((MergeSuggestion.contact_id == contact_id, MergeSuggestion.other_id),
                else_=MergeSuggestion.contact_id)


async def dismiss(session: AsyncSession, workspace_id: int, contact_id: int, suggestion_id: int, *,
                  actor: str | None, now: datetime) -> MergeSuggestion:
    row = await get_in_workspace(session, MergeSuggestion, workspace_id, suggestion_id)
    if contact_id not in (row.contact_id, row.other_id):
        raise not_found("Suggestion")
    row.status, row.decided_at, row.decided_by = "dismissed", now, actor
    return row
