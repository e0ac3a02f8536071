"""Presentation helpers for templates: safe text with links and line breaks, times in the
workspace's zone, ticks, file sizes. Everything returned as Markup is built from escaped parts."""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup, escape

from ..channels.registry import UnknownChannelKind, adapter_class

URL = re.compile(r"""\bhttps?://[^\s<>"']+[^\s<>"'.,;:!?)\]]""", re.IGNORECASE)


def linkify(text: str | None) -> Markup:
    """Escape everything; turn http(s) URLs into links that open safely; keep line breaks."""
    if not text:
        return Markup("")
    out, last = [], 0
    for m in URL.finditer(text):
        out.append(escape(text[last:m.start()]))
        url = m.group(0)
        out.append(Markup('<a href="{0}" target="_blank" rel="noopener noreferrer nofollow">{0}</a>')
                   .format(url))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out).replace("\n", Markup("<br>"))


def filesize(n: int | None) -> str:
    if not n:
        return ""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def initials(name: str | None) -> str:
    parts = [p for p in re.split(r"\s+", (name or "").strip()) if p and p[0].isalnum()]
    if not parts:
        return "?"
    return (parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")).upper()


def avatar_hue(key: Any) -> int:
    """A stable colour class (0-7) per contact, so the list is scannable."""
    return sum(str(key).encode()) % 8


def preview(message: Any, limit: int = 80) -> str:
    """One line of a message's text, for the conversation list and quotes (its content type is
    shown by ``icons.content_icon``; media without a caption by the ``_preview.html`` macro)."""
    if message is None:
        return ""
    line = (message.text or "").replace("\n", " ").strip()
    if not line and message.content.type not in KIND_WORDS:
        line = f"[{message.type}]"
    return line[:limit] + ("…" if len(line) > limit else "")


# content types whose preview without text is a word (translated in ``_preview.html``)
KIND_WORDS = ("image", "video", "audio", "document", "sticker", "location", "contacts", "order", "unsupported")


def kind_title(kind: str) -> str:
    """A channel kind as people write it ("WhatsApp", not "Whatsapp")."""
    try:
        return adapter_class(kind).title
    except UnknownChannelKind:
        return kind.capitalize()


def time_left(seconds: float) -> tuple[str, int]:
    """A countdown as agents read it ("2 h left"): the unit ("d", "h" or "min") and the count.
    Whole days from two days on, whole hours from an hour on, else minutes rounded up (so it
    never says 0 while time is left). ``static/inbox.js`` (``timeLeft``) counts down the same way."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes >= 48 * 60:
        return "d", minutes // (24 * 60)
    if minutes >= 60:
        return "h", minutes // 60
    return "min", minutes


FILTERS = {"linkify": linkify, "filesize": filesize, "initials": initials, "hue": avatar_hue, "preview": preview,
           "kind_title": kind_title,
           "time_left": time_left}

DAYS = {"en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
        "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]}
MONTHS = {"en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
          "nl": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
          "de": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."]}


class Formatter:
    """Times as agents see them: in the workspace's time zone and the agent's language."""

    def __init__(self, tz: str, lang: str, tr: Any, now: datetime | None = None):
        try:
            self.zone = ZoneInfo(tz or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")
        self.lang, self.tr = lang, tr
        self.now = (now or datetime.now(self.zone)).astimezone(self.zone)

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.zone)

    def time(self, dt: datetime | None) -> str:
        return self.local(dt).strftime("%H:%M") if dt else ""

    def day_key(self, dt: datetime) -> str:
        return self.local(dt).date().isoformat()

    def date(self, dt: datetime) -> str:
        d = self.local(dt)
        if self.lang == "en":
            return f"{d.day} {MONTHS['en'][d.month - 1]} {d.year}"
        return f"{d.day}. {MONTHS['de'][d.month - 1]} {d.year}" if self.lang == "de" else \
            f"{d.day} {MONTHS['nl'][d.month - 1]} {d.year}"

    def day(self, dt: datetime) -> str:
        """Day separator label: Today, Yesterday, a weekday this week, else a date."""
        d = self.local(dt).date()
        today = self.now.date()
        if d == today:
            return self.tr.gettext("Today")
        if d == today - timedelta(days=1):
            return self.tr.gettext("Yesterday")
        if today - d < timedelta(days=7):
            name = DAYS.get(self.lang, DAYS["en"])[d.weekday()]
            return name[0].upper() + name[1:]
        return self.date(dt)

    def short(self, dt: datetime | None) -> str:
        """List timestamps: time today, "Yesterday", a weekday this week, else the date."""
        if dt is None:
            return ""
        d, today = self.local(dt).date(), self.now.date()
        if d == today:
            return self.time(dt)
        if d == today - timedelta(days=1):
            return self.tr.gettext("Yesterday")
        if today - d < timedelta(days=7):
            return self.day(dt)[:3]
        return self.local(dt).strftime("%d-%m-%Y")

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
