"""A workspace's monthly budget and its alerts: at 80 % and 100 % of the budget, once per month
and threshold, a ``costs.budget_alert`` event (and a banner in the inbox while the month lasts).
Checked by a periodic job (every few minutes: spend changes as pricing receipts arrive), and
settable with its own rates over the rate card (``chatdesk costs budget`` / ``costs rate``)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import Problem
from ..core.events import emit
from ..core.jobs import ClaimedJob, JobKind, JobPayload
from ..core.scheduler import Periodic
from . import cost_report, pricing
from .cost_models import BudgetAlert, CostBudget, RateOverride
from .limit_events import BudgetAlert as BudgetAlertEvent

THRESHOLDS = (80, 100)
CATEGORIES = ("marketing", "utility", "authentication", "service")


def crossed(spent: int, budget: int | None, raised: set[int]) -> list[int]:
    """The thresholds (percent) ``spent`` has reached of ``budget`` and that were not raised yet."""
    if not budget:
        return []
    return [t for t in THRESHOLDS if spent * 100 >= budget * t and t not in raised]


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


async def raised(session: AsyncSession, workspace_id: int, month: str) -> set[int]:
    rows = await session.execute(select(BudgetAlert.threshold).where(
        BudgetAlert.workspace_id == workspace_id, BudgetAlert.month == month))
    return set(rows.scalars())


async def check(session: AsyncSession, workspace_id: int, now: datetime) -> list[int]:
    """Raise the budget alerts the month's spend has earned; the thresholds raised now."""
    budget = await cost_report.budget_of(session, workspace_id)
    if not budget:
        return []
    month = month_of(now.date())
    spent = await cost_report.month_spend(session, workspace_id, now.date())
    new = crossed(spent, budget, await raised(session, workspace_id, month))
    for threshold in new:
        session.add(BudgetAlert(workspace_id=workspace_id, month=month, threshold=threshold, at=now))
        emit(session, BudgetAlertEvent(workspace_id=workspace_id, month=month, threshold=threshold,
                                       spent_micros=spent, budget_micros=budget))
    return new


async def set_budget(session: AsyncSession, workspace_id: int, amount: str | None, now: datetime) -> int | None:
    """Set (or with None, remove) the monthly budget, an amount in the rate card's currency."""
    row = await session.get(CostBudget, workspace_id)
    if amount is None:
        if row is not None:
            await session.delete(row)
        return None
    micros = _amount(amount)
    if row is None:
        session.add(CostBudget(workspace_id=workspace_id, monthly_micros=micros, updated_at=now))
    else:
        row.monthly_micros, row.updated_at = micros, now
    return micros


async def set_rate(session: AsyncSession, workspace_id: int, market: str, category: str, price: str,
                   valid_from: date) -> None:
    """The workspace's own price for a market ("*": every other market) and category."""
    market, category = market.strip().upper(), category.strip().lower()
    if category not in CATEGORIES:
        raise Problem(422, "invalid_category", "Unknown pricing category", f"one of {', '.join(CATEGORIES)}")
    if market != pricing.OTHER and not (len(market) == 2 and market.isalpha()):
        raise Problem(422, "invalid_market", "Unknown market", "a two-letter country code, or * for the rest")
    micros = _amount(price)
    row = (await session.execute(select(RateOverride).where(
        RateOverride.workspace_id == workspace_id, RateOverride.market == market,
        RateOverride.category == category, RateOverride.valid_from == valid_from))).scalar_one_or_none()
    if row is None:
        session.add(RateOverride(workspace_id=workspace_id, market=market, category=category,
                                 price_micros=micros, valid_from=valid_from))
    else:
        row.price_micros = micros


def _amount(text: str) -> int:
    try:
        micros = pricing.to_micros(text.strip())
    except ArithmeticError:
        raise Problem(422, "invalid_amount", "Not an amount", f"{text!r} is not a number like 250 or 0.0525") from None
    if micros < 0 or micros >= 10**15:
        raise Problem(422, "invalid_amount", "Not an amount", "an amount from 0 up to a billion")
    return micros


class CheckBudgets(JobPayload):
    pass


BUDGET_CHECK = JobKind("costs.budget_check", CheckBudgets)
BUDGET_SCHEDULE = Periodic("budget_check", every=300, kind=BUDGET_CHECK, payload=CheckBudgets())


def budget_handler(db: Database, clock: Clock) -> Any:
    """The ``costs.budget_check`` job: every workspace with a budget, each in its own transaction."""
    async def handle(job: ClaimedJob) -> None:
        async with db.reader() as session:
            workspaces = list((await session.execute(select(CostBudget.workspace_id))).scalars())
        for workspace_id in workspaces:
            async with db.session() as session:
                await check(session, workspace_id, clock.now())
    return handle
