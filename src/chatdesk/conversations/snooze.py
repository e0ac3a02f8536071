"""Snooze presets: "in an hour", "this evening", "tomorrow", "next week", as times in the
workspace's time zone. Pure: a function of the preset, ``now`` and the zone."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..core.errors import Problem

PRESETS = ("hour", "evening", "tomorrow", "next_week")
EVENING, MORNING = time(18, 0), time(9, 0)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    # a wall-clock time on that day in the zone (DST shifts the UTC offset, not the hour)
    return datetime.combine(day, clock, tzinfo=zone)


def preset_time(preset: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When ``preset`` ends a snooze started at ``now``: an hour on; 18:00 today (tomorrow once
    it is 18:00); 09:00 tomorrow; 09:00 on the coming Monday (a week on, on a Monday)."""
    local = now.astimezone(zone)
    if preset == "hour":
        return now + timedelta(hours=1)
    if preset == "evening":
        day = local.date() if local.time() < EVENING else local.date() + timedelta(days=1)
        return _at(day, EVENING, zone)
    if preset == "tomorrow":
        return _at(local.date() + timedelta(days=1), MORNING, zone)
    if preset == "next_week":
        return _at(local.date() + timedelta(days=7 - local.weekday()), MORNING, zone)
    raise Problem(422, "invalid_snooze", f"Unknown snooze preset {preset!r}",
                  f"preset must be one of: {', '.join(PRESETS)}")


def presets(now: datetime, zone: ZoneInfo) -> dict[str, datetime]:
    return {name: preset_time(name, now, zone) for name in PRESETS}
