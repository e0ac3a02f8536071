"""Presentation helpers for templates: safe text with links and line breaks, times in the
workspace's zone (``dates.py``), ticks, file sizes. Everything returned as Markup is built from escaped parts."""
from __future__ import annotations

import math
import re
from typing import Any

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



# a speech bubble, for a kind that brings no icon of its own
GENERIC_ICON = '<path d="M4 5h16v11H9l-5 4z" fill="currentColor"/>'


def channel_icon(kind: str) -> Markup:
    """The kind's icon as inline SVG (the adapter's ``icon``: trusted markup from the code, not input)."""
    try:
        paths = getattr(adapter_class(kind), "icon", GENERIC_ICON)
    except UnknownChannelKind:
        paths = GENERIC_ICON
    return Markup('<svg class="chan-icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" '
                  'focusable="false">{}</svg>').format(Markup(paths))


def channel_title(kind: str) -> str:
    """The platform's name as people write it (Messenger, Instagram...)."""
    try:
        return adapter_class(kind).title
    except UnknownChannelKind:
        return kind.capitalize()



FILTERS = {"linkify": linkify, "filesize": filesize, "initials": initials, "hue": avatar_hue, "preview": preview,
           "kind_title": kind_title,
           "time_left": time_left, "channel_icon": channel_icon, "channel_title": channel_title}
