"""Canned responses: reusable replies an agent inserts by typing ``/shortcut`` in the composer."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, Id, UTCDateTime
from ..core.errors import Problem, not_found

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class CannedResponse(Base):
    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    shortcut: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("workspace_id", "shortcut"),)


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
    canned = await session.get(CannedResponse, canned_id)
    if canned is None or canned.workspace_id != workspace_id:
        raise not_found("Canned response")
    await session.delete(canned)
    await session.flush()
