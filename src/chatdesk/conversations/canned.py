"""Canned responses: reusable replies an agent inserts by typing ``/shortcut`` in the composer,
with variables (``{{contact.name}}``, ``{{agent.name}}``...) filled in as they are inserted."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_in_workspace
from ..core.errors import Problem
from .models import CannedResponse

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")
VARIABLES = ("contact.name", "contact.first_name", "contact.phone", "agent.name", "workspace.name")


def variables(*, contact_name: str, contact_phone: str | None, agent_name: str, workspace_name: str) -> dict[str, str]:
    """The values a canned response's variables take in one conversation, for one agent."""
    first = contact_name.split()[0] if contact_name.strip() else ""
    return {"contact.name": contact_name, "contact.first_name": first, "contact.phone": contact_phone or "",
            "agent.name": agent_name, "workspace.name": workspace_name}


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each known ``{{variable}}`` replaced; an unknown one stays as written, so a
    typo shows in the composer instead of vanishing."""
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _checked(shortcut: str, text: str) -> tuple[str, str]:
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise Problem(422, "invalid_shortcut", "Shortcuts are 1-32 letters, digits, - or _")
    if not text.strip():
        raise Problem(422, "empty_message", "The response is empty")
    return shortcut, text.strip()


async def _refuse_taken(session: AsyncSession, workspace_id: int, shortcut: str, but: int | None = None) -> None:
    query = select(CannedResponse.id).where(CannedResponse.workspace_id == workspace_id,
                                            CannedResponse.shortcut == shortcut)
    if but is not None:
        query = query.where(CannedResponse.id != but)
    if (await session.execute(query)).scalar_one_or_none():
        raise Problem(409, "shortcut_exists", f"/{shortcut} already exists")


async def list_canned(session: AsyncSession, workspace_id: int, prefix: str = "") -> list[CannedResponse]:
    query = select(CannedResponse).where(CannedResponse.workspace_id == workspace_id)
    if prefix:
        query = query.where(CannedResponse.shortcut.like(f"{prefix.lower().replace('%', '')}%"))
    return list((await session.execute(query.order_by(CannedResponse.shortcut).limit(50))).scalars())


async def create_canned(session: AsyncSession, workspace_id: int, shortcut: str, text: str, *,
                        now: datetime) -> CannedResponse:
    shortcut, text = _checked(shortcut, text)
    await _refuse_taken(session, workspace_id, shortcut)
    canned = CannedResponse(workspace_id=workspace_id, shortcut=shortcut, text=text, created_at=now)
    session.add(canned)
    await session.flush()
    return canned


async def update_canned(session: AsyncSession, workspace_id: int, canned_id: int, shortcut: str,
                        text: str) -> CannedResponse:
    canned = await get_in_workspace(session, CannedResponse, workspace_id, canned_id)
    shortcut, text = _checked(shortcut, text)
    await _refuse_taken(session, workspace_id, shortcut, but=canned_id)
    canned.shortcut, canned.text = shortcut, text
    await session.flush()
    return canned


async def delete_canned(session: AsyncSession, workspace_id: int, canned_id: int) -> None:
    await session.delete(await get_in_workspace(session, CannedResponse, workspace_id, canned_id))
    await session.flush()
