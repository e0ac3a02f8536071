"""Business hours per workspace, in its time zone: when the widget offers a live chat, and when
its offline form (the message is still stored as a conversation, answered next morning).

``hours`` maps a weekday (``mon`` ... ``sun``) to ``[opens, closes]`` as ``HH:MM``; a day not
listed is closed; no row at all means always open. Pure, apart from the row it is read from."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, Id, Json, UTCDateTime

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(Base):
    __tablename__ = "business_hours"

    workspace_id: Mapped[int] = mapped_column(Id, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    hours: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _clock(value: str) -> time:
    hh, mm = value.split(":")
    return time(int(hh), int(mm))


def parse(form: dict[str, str]) -> dict[str, list[str]]:
    """``{day}_open`` / ``{day}_close`` form fields → hours; ValueError names the bad day."""
    hours: dict[str, list[str]] = {}
    for day in DAYS:
        opens, closes = form.get(f"{day}_open", "").strip(), form.get(f"{day}_close", "").strip()
        if not opens and not closes:
            continue
        try:
            if _clock(opens) >= _clock(closes):
                raise ValueError
        except ValueError:
            raise ValueError(f"{day}: give an opening time before the closing time (HH:MM)") from None
        hours[day] = [opens, closes]
    return hours


def is_open(hours: dict[str, Any] | None, timezone: str, now: datetime) -> bool:
    if not hours:
        return True
    try:
        local = now.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        local = now
    span = hours.get(DAYS[local.weekday()])
    if not span:
        return False
    return _clock(span[0]) <= local.time().replace(tzinfo=None) < _clock(span[1])
