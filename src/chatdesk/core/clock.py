"""Time: one injectable source of UTC-aware ``now``, so policy and tests never read the wall clock."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def from_epoch(seconds: str | int | float) -> datetime:
    """A UTC datetime from epoch seconds (WhatsApp sends them as strings)."""
    return datetime.fromtimestamp(float(seconds), UTC)


def aware(value: datetime | None) -> datetime | None:
    """Treat a naive datetime (as SQLite returns them) as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
