"""Events of messaging limits and costs: ids, figures and states only."""
from __future__ import annotations

from datetime import datetime

from ..core.events import DomainEvent
from ..core.states import EventType


class MessagingLimitWarning(DomainEvent):
    """A number's business-initiated conversations of the last 24 h reached the warning share
    of its tier (once per crossing)."""

    type = EventType.MESSAGING_LIMIT_WARNING
    channel_id: int
    tier: str
    limit: int
    used: int
    frees_at: datetime | None


class ChannelQualityUpdated(DomainEvent):
    """A number's messaging limit tier or quality rating changed (provider webhook or by hand)."""

    type = EventType.CHANNEL_QUALITY_UPDATED
    channel_id: int
    tier: str | None
    quality: str | None


class BudgetAlert(DomainEvent):
    """The month's spend reached ``threshold`` percent of the workspace's budget."""

    type = EventType.BUDGET_ALERT
    month: str
    threshold: int
    spent_micros: int
    budget_micros: int
