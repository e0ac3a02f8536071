"""Translations of the inbox: English (the source strings), Dutch and German.

A small dict-based translator rather than gettext catalogs: three languages and a few hundred
strings do not need Babel's extract/compile step (no .mo files to build; Babel formats dates
only, ``dates.py``);
the catalogs are plain Python reviewed like code, and ``tests/inbox`` checks every string used
in the templates has a Dutch and a German entry. Templates call ``_()`` through Jinja's i18n
extension, so moving to gettext catalogs later would not change a template.
"""
from __future__ import annotations

from typing import Any

from markupsafe import Markup

from .catalog import DE, NL

LANGUAGES = {"en": "English", "nl": "Nederlands", "de": "Deutsch"}
CATALOGS: dict[str, dict[str, str]] = {"en": {}, "nl": NL, "de": DE}


class Translator:
    def __init__(self, lang: str):
        self.lang = lang
        self.catalog = CATALOGS.get(lang, {})

    def gettext(self, message: str) -> str:
        return self.catalog.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class TemplateTranslator(Translator):
    """What templates call as ``_()``: translated, marked safe, and ``%(name)s`` values escaped
    (Markup's ``%`` escapes its arguments), like Jinja's newstyle gettext."""

    def gettext(self, message: str, **values: object) -> Markup:
        text = Markup(super().gettext(message))
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> Markup:
        values.setdefault("num", n)
        return Markup(super().gettext(singular if n == 1 else plural)) % values

    def untrusted(self, text: str | None) -> str:
        """Stored text that may come from outside (a platform's error explanation): translated
        when the catalog knows it, and left a plain string, so the template escapes it."""
        return Translator.gettext(self, text or "")

    def problem_detail(self, problem: Any) -> Markup:
        """A problem's detail in the reader's language: its message translated, then its values
        (words such as "24 hours" translated too, names and numbers left as they are)."""
        if getattr(problem, "detail_msg", None):
            message, values = problem.detail_msg
            return self.gettext(message, **{k: Translator.gettext(self, str(v)) for k, v in values.items()})
        return self.gettext(problem.detail or "")


def template_translator(lang: str) -> TemplateTranslator:
    return TemplateTranslator(lang if lang in LANGUAGES else "en")


def translator(lang: str) -> Translator:
    return Translator(lang if lang in LANGUAGES else "en")


def pick(chosen: str | None, accept_language: str | None) -> str:
    """The user's choice (cookie) wins; else the best Accept-Language match; else English."""
    if chosen in LANGUAGES:
        return chosen
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower().split("-")[0]
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES:
            ranked.append((q, tag))
    return max(ranked, key=lambda x: x[0])[1] if ranked else "en"
