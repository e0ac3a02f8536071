"""Dates and times as agents read them: Babel's patterns in the agent's language, in the
workspace's time zone. Owns the inbox's ``fmt`` (``Formatter``): timestamps in the list, day
separators, snooze and window times. Times are 24-hour in every language; English dates read
the British way ("21 Dec"), as they always did here."""
from __future__ import annotations

from datetime import date as Day
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

LOCALES = {"en": Locale.parse("en_GB"), "nl": Locale.parse("nl_NL"), "de": Locale.parse("de_DE")}
WEEK = timedelta(days=7)


class Formatter:
    """Times as agents see them: in the workspace's time zone and the agent's language."""

    def __init__(self, tz: str, lang: str, tr: Any, now: datetime | None = None):
        try:
            self.zone = ZoneInfo(tz or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")
        self.lang, self.tr = lang, tr
        self.locale = LOCALES.get(lang, LOCALES["en"])
        self.now = (now or datetime.now(self.zone)).astimezone(self.zone)

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.zone)

    def time(self, dt: datetime | None) -> str:
        return format_time(self.local(dt), "HH:mm", locale=self.locale) if dt else ""

    def day_key(self, dt: datetime) -> str:
        return self.local(dt).date().isoformat()

    def date(self, dt: datetime) -> str:
        """A full date: "21 Dec 2026", "21 dec 2026", "21. Dez. 2026"."""
        return format_skeleton("yMMMd", self.local(dt).replace(tzinfo=None), locale=self.locale)

    def _near(self, d: Day) -> str | None:
        """Today, Yesterday and Tomorrow by name (None otherwise)."""
        names = {0: "Today", -1: "Yesterday", 1: "Tomorrow"}
        name = names.get((d - self.now.date()).days)
        return self.tr.gettext(name) if name else None

    def _weekday(self, d: Day, width: str) -> str:
        name = format_date(d, width, locale=self.locale)
        return name[0].upper() + name[1:]

    def _month_day(self, d: Day) -> str:
        """ "21 Dec" this year, with the year otherwise."""
        skeleton = "MMMd" if d.year == self.now.year else "yMMMd"
        return format_skeleton(skeleton, datetime(d.year, d.month, d.day), locale=self.locale)

    def day(self, dt: datetime) -> str:
        """Day separator label: Today, Yesterday, a weekday within the past week, else a date."""
        d = self.local(dt).date()
        near = self._near(d) if d <= self.now.date() else None
        if near:
            return near
        if timedelta(0) < self.now.date() - d < WEEK:
            return self._weekday(d, "EEEE")
        return self.date(dt)

    def short(self, dt: datetime | None) -> str:
        """Compact: the time today; Yesterday / Tomorrow; a short weekday within a week either way
        ("Di.", "di"); else the day and month ("21 Dec"), with the year when it is not this one."""
        if dt is None:
            return ""
        d = self.local(dt).date()
        if d == self.now.date():
            return self.time(dt)
        near = self._near(d)
        if near:
            return near
        if abs(d - self.now.date()) < WEEK:
            return self._weekday(d, "EEE")
        return self._month_day(d)

    def full(self, dt: datetime | None) -> str:
        return f"{self.date(dt)} {self.time(dt)}" if dt else ""

    def input_value(self, dt: datetime) -> str:
        return self.local(dt).strftime("%Y-%m-%dT%H:%M")

    def parse_local(self, value: str) -> datetime | None:
        """A ``datetime-local`` form value in the workspace's zone → UTC-aware datetime."""
        try:
            return datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=self.zone)
        except ValueError:
            return None
