"""What the inbox warns agents about, for limits and costs: numbers at 80 % or more of their
messaging limit (with when it frees up), and the budget thresholds this month's spend reached."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.models import Channel
from . import budgets, limits, messaging_limits


@dataclass(frozen=True)
class LimitAlert:
    channel: str
    used: int
    limit: int
    frees_at: datetime | None


async def limit_alerts(session: AsyncSession, workspace_id: int, now: datetime) -> list[LimitAlert]:
    channels = (await session.execute(select(Channel).where(
        Channel.workspace_id == workspace_id, Channel.messaging_tier.is_not(None)))).scalars()
    found = []
    for channel in channels:
        if limits.limit_of(channel.messaging_tier) is None:
            continue
        u = await messaging_limits.usage(session, channel, now)
        if u.warning and u.limit:
            found.append(LimitAlert(channel.name or channel.display, u.used, u.limit, u.frees_at))
    return found


async def budget_threshold(session: AsyncSession, workspace_id: int, now: datetime) -> int | None:
    """The highest budget threshold raised this month (80, 100), if any."""
    raised = await budgets.raised(session, workspace_id, budgets.month_of(now.date()))
    return max(raised, default=None)
