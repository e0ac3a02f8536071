"""Canned responses: reusable replies an agent inserts by typing ``/shortcut`` in the composer."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_in_workspace
from ..core.errors import Problem
from .models import CannedResponse

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


async def list_canned(session: AsyncSession, workspace_id: int, prefix: str = "") -> list[CannedResponse]:
    query = select(CannedResponse).where(CannedResponse.workspace_id == workspace_id)
    if prefix:
        query = query.where(CannedResponse.shortcut.like(f"{prefix.lower().replace('%', '')}%"))
    return list((await session.execute(query.order_by(CannedResponse.shortcut).limit(50))).scalars())


async def create_canned(session: AsyncSession, workspace_id: int, shortcut: str, text: str, *,
                        now: datetime) -> CannedResponse:
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise Problem(422, "invalid_shortcut", "Shortcuts are 1-32 letters, digits, - or _")
    if not text.strip():
        raise Problem(422, "empty_message", "The response is empty")
    if (await session.execute(select(CannedResponse.id).where(
            CannedResponse.workspace_id == workspace_id, CannedResponse.shortcut == shortcut))).scalar_one_or_none():
        raise Problem(409, "shortcut_exists", f"/{shortcut} already exists")
    canned = CannedResponse(workspace_id=workspace_id, shortcut=shortcut, text=text.strip(), created_at=now)
    session.add(canned)
    await session.flush()
    return canned


async def delete_canned(session: AsyncSession, workspace_id: int, canned_id: int) -> None:
    await session.delete(await get_in_workspace(session, CannedResponse, workspace_id, canned_id))
    await session.flush()
