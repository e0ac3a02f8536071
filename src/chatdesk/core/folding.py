"""How search matches text: case-folded (all of Unicode, unlike SQLite's ``lower()``) and
without accents, so "muller" finds "Müller" and "siparis" finds "siparişim". Stored keys
(``contacts.name_key``, ``messages.text_key``) and search terms are folded the same way."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``text`` case-folded, decomposed (NFKD) and with its combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
