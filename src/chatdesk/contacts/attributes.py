"""Custom contact attributes: what a definition may say and what a value of each type may be.

Pure (no I/O): ``check_def`` checks a definition, ``coerce`` turns what a client or a CSV cell
gives into the value stored in ``Contact.attributes`` (JSON: text and choices as strings, numbers
as numbers, dates as ISO strings "YYYY-MM-DD", yes/no as booleans) or raises ``BadValue``
saying why. An empty value clears the attribute (``None``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

TYPES = ("text", "number", "date", "bool", "choice")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# CSV columns the importer owns: an attribute may not be called like one of them
RESERVED = frozenset({"id", "name", "phone", "email", "labels", "language"})
MAX_TEXT = 1000
MAX_CHOICES = 100
TRUE = frozenset({"true", "yes", "y", "1", "ja", "j"})
FALSE = frozenset({"false", "no", "n", "0", "nee", "nein"})


class BadValue(ValueError):
    """A value (or definition) that does not fit; the message says why, for people."""


@dataclass(frozen=True)
class Def:
    """A definition as the pure functions see it."""

    key: str
    type: str
    label: str = ""
    choices: tuple[str, ...] = field(default_factory=tuple)


def check_def(key: str, label: str, type_: str, choices: list[str] | None) -> Def:
    """The definition, or ``BadValue`` naming what is wrong with it."""
    if not KEY.match(key) or key in RESERVED:
        raise BadValue(f"key {key!r}: lower-case letters, digits and _ (starting with a letter, up to 64), "
                       f"not one of {', '.join(sorted(RESERVED))}")
    if type_ not in TYPES:
        raise BadValue(f"type {type_!r}: one of {', '.join(TYPES)}")
    cleaned = tuple(dict.fromkeys(c.strip() for c in choices or () if c.strip()))
    if type_ == "choice" and not cleaned:
        raise BadValue("a choice attribute needs choices")
    if len(cleaned) > MAX_CHOICES or any(len(c) > 200 for c in cleaned):
        raise BadValue(f"up to {MAX_CHOICES} choices of up to 200 characters")
    return Def(key=key, type=type_, label=label.strip()[:200] or key, choices=cleaned if type_ == "choice" else ())


def coerce(d: Def, value: Any) -> Any:
    """The stored form of ``value`` for the attribute ``d``; ``None`` clears it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _COERCE[d.type](d, value)


def _text(_d: Def, value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BadValue("expected text")
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise BadValue(f"up to {MAX_TEXT} characters")
    return text


def _number(_d: Def, value: Any) -> int | float:
    if isinstance(value, bool):
        raise BadValue("expected a number")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", ".")) if re.search(r"[.,eE]", value) else int(value.strip())
        except ValueError:
            raise BadValue(f"{value!r} is not a number") from None
    if not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        raise BadValue("expected a number")
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _date(_d: Def, value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise BadValue("expected a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise BadValue(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _bool(_d: Def, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().casefold()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise BadValue(f"{value!r} is not yes or no")


def _choice(d: Def, value: Any) -> str:
    text = str(value).strip()
    if text not in d.choices:
        raise BadValue(f"{text!r} is not one of {', '.join(d.choices)}")
    return text


_COERCE = {"text": _text, "number": _number, "date": _date, "bool": _bool, "choice": _choice}


def apply(defs: Mapping[str, Def], current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``current`` with ``changes`` applied (a ``None`` or empty value removes the key); raises
    ``BadValue`` with a message starting with the first bad key."""
    out = dict(current)
    for key, value in changes.items():
        d = defs.get(key)
        if d is None:
            raise BadValue(f"{key}: no such attribute")
        try:
            stored = coerce(d, value)
        except BadValue as exc:
            raise BadValue(f"{key}: {exc}") from None
        if stored is None:
            out.pop(key, None)
        else:
            out[key] = stored
    return out


def display(d: Def, value: Any) -> str:
    """A stored value as text (a CSV cell, a form field)."""
    if value is None:
        return ""
    if d.type == "bool":
        return "yes" if value else "no"
    return str(value)
