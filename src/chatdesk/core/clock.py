"""Time: one injectable source of UTC-aware ``now``, so policy and tests never read the wall clock."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Protocol, overload

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def from_epoch(seconds: str | int | float) -> datetime:
    """A UTC datetime from epoch seconds (WhatsApp sends them as strings)."""
    return datetime.fromtimestamp(float(seconds), UTC)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """Treat a naive datetime (as SQLite returns them) as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def parse_moment(value: str, now: datetime) -> datetime:
    """A moment a user typed: ISO 8601 (``2026-11-30T08:00``; without an offset it is UTC) or a
    duration back from ``now`` (``90m``, ``24h``, ``7d``; also ``s`` and ``w``)."""
    text = value.strip()
    duration = _DURATION.fullmatch(text.lower())
    if duration:
        return now - timedelta(**{_UNITS[duration[2]]: int(duration[1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a time: use ISO 8601 (2026-11-30T08:00, UTC unless an "
                         "offset is given) or a duration back from now like 90m, 24h, 7d") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
