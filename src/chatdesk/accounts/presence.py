"""Agent availability per workspace: what the agent chose (online, away, offline) and what their
inbox reports. The inbox page sends a heartbeat while it is open, saying whether the agent did
anything since the last one; an agent who chose online is away after ``AWAY_AFTER`` without
activity, and offline once no inbox of theirs has beaten for ``GONE_AFTER`` (no live session).
``effective`` is pure; routing asks ``online_agents``. Also the workspace's one assignment
preference kept with its row: "assign to the first replier"."""
from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.errors import Problem
from .models import Membership, Workspace

AWAY_AFTER = timedelta(minutes=10)
GONE_AFTER = timedelta(seconds=90)  # three missed heartbeats (the page beats every 30 s)


class Availability(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


def effective(chosen: str, seen_at: datetime | None, active_at: datetime | None, now: datetime) -> Availability:
    """What others see: offline without a live inbox, away by choice or after inactivity."""
    if chosen == Availability.OFFLINE or seen_at is None or now - seen_at > GONE_AFTER:
        return Availability.OFFLINE
    if chosen == Availability.AWAY or active_at is None or now - active_at > AWAY_AFTER:
        return Availability.AWAY
    return Availability.ONLINE


async def set_choice(session: AsyncSession, workspace_id: int, user_id: int, chosen: str, *, now: datetime) -> None:
    """The agent sets their availability."""
    if chosen not in tuple(Availability):
        raise Problem(422, "invalid_availability", "Availability is online, away or offline")
    # the choice came from an open page: a sign of life (and, choosing online, of activity)
    values = {"availability": chosen, "seen_at": now, **({"active_at": now} if chosen == Availability.ONLINE else {})}
    await session.execute(update(Membership).where(Membership.workspace_id == workspace_id,
                                                   Membership.user_id == user_id).values(**values))


async def heartbeat(session: AsyncSession, workspace_id: int, user_id: int, *, active: bool, now: datetime) -> None:
    """The agent's inbox is open (and, with ``active``, they used it since the last beat)."""
    values = {"seen_at": now, **({"active_at": now} if active else {})}
    await session.execute(update(Membership).where(Membership.workspace_id == workspace_id,
                                                   Membership.user_id == user_id).values(**values))


async def of(session: AsyncSession, workspace_id: int, user_id: int, now: datetime) -> Availability:
    row = (await session.execute(select(Membership.availability, Membership.seen_at, Membership.active_at).where(
        Membership.workspace_id == workspace_id, Membership.user_id == user_id))).first()
    return effective(*row, now) if row else Availability.OFFLINE


async def chosen(session: AsyncSession, workspace_id: int, user_id: int) -> str:
    return (await session.execute(select(Membership.availability).where(
        Membership.workspace_id == workspace_id, Membership.user_id == user_id))).scalar_one_or_none() or "offline"


async def online_agents(session: AsyncSession, workspace_id: int, user_ids: list[int], now: datetime) -> list[int]:
    """Those of ``user_ids`` who are online in the workspace now, by id."""
    if not user_ids:
        return []
    rows = (await session.execute(select(Membership.user_id, Membership.availability, Membership.seen_at,
                                         Membership.active_at).where(
        Membership.workspace_id == workspace_id, Membership.user_id.in_(user_ids)))).all()
    return sorted(uid for uid, chosen, seen, active in rows
                  if effective(chosen, seen, active, now) == Availability.ONLINE)


async def first_replier_assigned(session: AsyncSession, workspace_id: int) -> bool:
    return bool((await session.execute(select(Workspace.assign_first_replier).where(
        Workspace.id == workspace_id))).scalar_one_or_none())


async def set_first_replier_assigned(session: AsyncSession, workspace_id: int, on: bool) -> None:
    await session.execute(update(Workspace).where(Workspace.id == workspace_id).values(assign_first_replier=on))
