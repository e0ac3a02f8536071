"""Reading a template's components as the provider returns them (Meta's ``HEADER``, ``BODY``,
``FOOTER``, ``BUTTONS`` objects): its variables and what each send parameter fills.

Pure helpers shared by the create rules (``rules``), the preview (``render``) and the send
check (``conversations/template_send``). Variables are ``{{1}}``, ``{{2}}``... (positional) or
``{{first_name}}`` (named); a template uses one kind only (its ``parameter_format``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
MEDIA_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
# button types whose send takes a parameter: a URL ending in a variable, a copy-code value
URL, COPY_CODE, QUICK_REPLY = "URL", "COPY_CODE", "QUICK_REPLY"


def variables(text: str | None) -> list[str]:
    """The variable names in ``text`` in order (``"1"``, ``"name"``), repeats kept."""
    return [m.group(1) for m in VARIABLE.finditer(text or "")]


def component(components: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The first component of ``kind`` (HEADER, BODY, FOOTER, BUTTONS), any case."""
    for part in components or []:
        if isinstance(part, dict) and str(part.get("type", "")).upper() == kind:
            return part
    return None


def header_format(components: list[dict[str, Any]]) -> str | None:
    header = component(components, "HEADER")
    return str(header.get("format") or "TEXT").upper() if header else None


def buttons(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    part = component(components, "BUTTONS")
    return [b for b in (part or {}).get("buttons") or [] if isinstance(b, dict)]


def button_takes_parameter(button: dict[str, Any]) -> bool:
    kind = str(button.get("type", "")).upper()
    return kind == COPY_CODE or (kind == URL and bool(variables(button.get("url"))))


@dataclass(frozen=True)
class Slots:
    """What a send of the template must fill: the header's variables (or its media format), the
    body's variables (unique, in order of first use), and the indexes of the buttons that take
    a parameter."""

    header_media: str | None = None
    header: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    buttons: list[int] = field(default_factory=list)


def slots(components: list[dict[str, Any]]) -> Slots:
    fmt = header_format(components)
    header = component(components, "HEADER") or {}
    body = component(components, "BODY") or {}
    return Slots(header_media=fmt if fmt in MEDIA_FORMATS else None,
                 header=_unique(variables(header.get("text"))) if fmt == "TEXT" else [],
                 body=_unique(variables(body.get("text"))),
                 buttons=[i for i, b in enumerate(buttons(components)) if button_takes_parameter(b)])


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def is_named(names: list[str]) -> bool:
    return any(not n.isdigit() for n in names)


@dataclass(frozen=True)
class Parameters:
    """What a send fills a template with: the header's and the body's variables (a list for
    ``{{1}}``, ``{{2}}``..., or an object by name), a media header's link (the header's one
    value), and one value per button that takes a parameter, in the buttons' order."""

    header: list[str] | dict[str, str] = field(default_factory=list)
    body: list[str] | dict[str, str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)


def values_by_name(names: list[str], given: list[str] | dict[str, str]) -> dict[str, str]:
    """``given`` keyed by variable name: a list fills ``{{1}}``, ``{{2}}``... (or a named
    template's variables in order of first use); an object is taken as it is."""
    if isinstance(given, dict):
        return {str(k): str(v) for k, v in given.items()}
    if is_named(names):
        return {name: str(v) for name, v in zip(names, given, strict=False)}
    return {str(i + 1): str(v) for i, v in enumerate(given)}
