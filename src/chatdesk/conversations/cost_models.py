"""Tables of the costs domain: a workspace's own rates over the shipped rate card, its monthly
budget, and the budget alerts already raised (once per month and threshold)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, Id, UTCDateTime


class RateOverride(Base):
    """A workspace's price for one market and category from ``valid_from`` on, in millionths of
    the rate card's currency; it wins over the card's own rate."""

    __tablename__ = "rate_overrides"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    market: Mapped[str] = mapped_column(String(8))  # ISO country code, or "*" for every other market
    category: Mapped[str] = mapped_column(String(32))
    price_micros: Mapped[int] = mapped_column(BigInteger)
    valid_from: Mapped[date] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("workspace_id", "market", "category", "valid_from"),)


class CostBudget(Base):
    """A workspace's monthly spending budget, in millionths of the rate card's currency."""

    __tablename__ = "cost_budgets"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    monthly_micros: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BudgetAlert(Base):
    """A budget threshold (80, 100 %) a workspace's spend crossed in a month: raised once."""

    __tablename__ = "budget_alerts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    threshold: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("workspace_id", "month", "threshold"),)
