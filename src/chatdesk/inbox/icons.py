"""The inbox's UI icons: a vendored subset of Lucide (static/vendor/icons.svg, ISC licence beside
it), inlined by ``icon(name)`` so they render without an emoji font or an extra request."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

SPRITE = Path(__file__).parent / "static" / "vendor" / "icons.svg"
_SYMBOL = re.compile(r'<symbol id="([\w-]+)" viewBox="([\d .]+)">(.*?)</symbol>', re.S)

# a message's content type → its icon (the list preview, quotes, missing media)
CONTENT_ICONS = {"image": "camera", "video": "video", "audio": "mic", "document": "file-text", "sticker": "sticky-note",
                 "location": "map-pin", "contacts": "user", "order": "shopping-cart", "note": "lock",
                 "story": "image", "share": "link"}


@cache
def _symbols() -> dict[str, tuple[str, str]]:
    return {name: (box, body) for name, box, body in _SYMBOL.findall(SPRITE.read_text(encoding="utf-8"))}


def icon(name: str, label: str | None = None, cls: str = "") -> Markup:
    """An inline SVG icon; decorative (hidden from screen readers) unless it has a label."""
    box, body = _symbols()[name]
    a11y = f'role="img" aria-label="{escape(label)}"' if label else 'aria-hidden="true" focusable="false"'
    return Markup(f'<svg class="icon {escape(cls)}" viewBox="{box}" fill="none" stroke="currentColor" stroke-width="2" '
                  f'stroke-linecap="round" stroke-linejoin="round" {a11y}>{body}</svg>')


def content_icon(message: Any) -> Markup:
    """The icon for a message's content type, or nothing (text)."""
    if message is None:
        return Markup("")
    name = CONTENT_ICONS.get("note" if message.type == "note" else message.content.type)
    return icon(name) if name else Markup("")


GLOBALS = {"icon": icon, "content_icon": content_icon}
