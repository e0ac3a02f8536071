"""Meta's rules for a new message template, checked before it is submitted (pure).

``check(draft)`` returns field errors (``{"loc": [...], "msg": ...}``, as the REST API's 422
answers carry them); an empty list means Meta's documented rules pass. Limits from the
conformance SPEC §2.6 and Meta's template guidelines: name ≤ 512 of ``a-z0-9_``; category
MARKETING, UTILITY or AUTHENTICATION; a TEXT header ≤ 60 characters with at most one variable,
or a media header (IMAGE, VIDEO, DOCUMENT) or LOCATION; body ≤ 1,024 characters with numbered
(``{{1}}``, consecutive from 1) or named (``{{first_name}}``) variables, not both, none at the
very start or end, each with an example value; footer ≤ 60 without variables; at most 10
buttons (≤ 2 URL, ≤ 1 phone number, ≤ 1 copy code), button text ≤ 25, quick replies grouped
together; an AUTHENTICATION template has one OTP button and Meta's own body text.
"""
from __future__ import annotations

import re
from typing import Any

from . import shape

NAME = re.compile(r"^[a-z0-9_]+$")
NAMED_VARIABLE = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2,3})?$")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
HEADER_FORMATS = ("TEXT", *shape.MEDIA_FORMATS, "LOCATION")
BUTTON_TYPES = ("QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP", "FLOW")
NAME_MAX, HEADER_MAX, BODY_MAX, FOOTER_MAX = 512, 60, 1024, 60
BUTTONS_MAX, BUTTON_TEXT_MAX, URL_MAX, PHONE_MAX = 10, 25, 2000, 20
PER_TYPE_MAX = {"URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1, "OTP": 1}

Errors = list[dict[str, Any]]


def check(draft: dict[str, Any]) -> Errors:
    """Every rule ``draft`` (``{name, language, category, components}``) breaks."""
    errors: Errors = []
    name = str(draft.get("name") or "")
    if not NAME.match(name):
        _err(errors, ["name"], "use lower-case letters, digits and underscores only")
    elif len(name) > NAME_MAX:
        _err(errors, ["name"], f"at most {NAME_MAX} characters")
    if not LANGUAGE.match(str(draft.get("language") or "")):
        _err(errors, ["language"], "a language code such as en_US, nl or de")
    category = str(draft.get("category") or "").upper()
    if category not in CATEGORIES:
        _err(errors, ["category"], f"one of {', '.join(CATEGORIES)}")
    components = draft.get("components")
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        _err(errors, ["components"], "a list of components")
        return errors
    errors.extend(_components(components, category))
    return errors


def _err(errors: Errors, loc: list[Any], msg: str) -> None:
    errors.append({"loc": loc, "msg": msg})


def _components(components: list[dict[str, Any]], category: str) -> Errors:
    errors: Errors = []
    seen: dict[str, int] = {}
    for i, part in enumerate(components):
        kind = str(part.get("type", "")).upper()
        if kind not in ("HEADER", "BODY", "FOOTER", "BUTTONS"):
            _err(errors, ["components", i, "type"], "one of HEADER, BODY, FOOTER, BUTTONS")
        elif kind in seen:
            _err(errors, ["components", i, "type"], f"only one {kind} component")
        seen.setdefault(kind, i)
    if "BODY" not in seen:
        _err(errors, ["components"], "a BODY component is required")
    checks = {"HEADER": _header, "BODY": _body, "FOOTER": _footer, "BUTTONS": _buttons}
    for kind, i in seen.items():
        if kind in checks:
            errors.extend(checks[kind](components[i], ["components", i], category))
    return errors


def _header(part: dict[str, Any], loc: list[Any], category: str) -> Errors:
    errors: Errors = []
    fmt = str(part.get("format") or "").upper()
    if fmt not in HEADER_FORMATS:
        _err(errors, [*loc, "format"], f"one of {', '.join(HEADER_FORMATS)}")
    elif fmt == "TEXT":
        text = str(part.get("text") or "")
        names = shape.variables(text)
        if not text.strip():
            _err(errors, [*loc, "text"], "a text header needs its text")
        elif len(text) > HEADER_MAX:
            _err(errors, [*loc, "text"], f"at most {HEADER_MAX} characters (has {len(text)})")
        if len(names) > 1:
            _err(errors, [*loc, "text"], "a header takes at most one variable")
        elif names:
            errors.extend(_examples(part, "header_text", "header_text_named_params", names, loc))
    elif fmt in shape.MEDIA_FORMATS and not ((part.get("example") or {}).get("header_handle")):
        _err(errors, [*loc, "example", "header_handle"], f"a {fmt.lower()} header needs a sample (header_handle)")
    if category == "AUTHENTICATION":
        _err(errors, loc, "an AUTHENTICATION template has no header")
    return errors


def _body(part: dict[str, Any], loc: list[Any], category: str) -> Errors:
    errors: Errors = []
    text = part.get("text")
    if category == "AUTHENTICATION":
        if text:  # Meta writes the body: "<code> is your verification code."
            _err(errors, [*loc, "text"], "an AUTHENTICATION template's body text is Meta's own; leave it out")
        return errors
    text = str(text or "")
    if not text.strip():
        _err(errors, [*loc, "text"], "the body needs its text")
        return errors
    if len(text) > BODY_MAX:
        _err(errors, [*loc, "text"], f"at most {BODY_MAX} characters (has {len(text)})")
    names = shape.variables(text)
    if names:
        errors.extend(_variable_rules(text, names, [*loc, "text"]))
        errors.extend(_examples(part, "body_text", "body_text_named_params", list(dict.fromkeys(names)), loc))
    return errors


def _variable_rules(text: str, names: list[str], loc: list[Any]) -> Errors:
    errors: Errors = []
    stripped = text.strip()
    if stripped.startswith("{{") or stripped.endswith("}}"):
        _err(errors, loc, "a variable may not start or end the body")
    numbered = [n for n in names if n.isdigit()]
    if numbered and len(numbered) != len(names):
        _err(errors, loc, "use numbered or named variables, not both")
    elif numbered:
        found = sorted({int(n) for n in numbered})
        if found != list(range(1, len(found) + 1)):
            _err(errors, loc, "numbered variables run {{1}}, {{2}}, ... without gaps")
    else:
        bad = [n for n in names if not NAMED_VARIABLE.match(n)]
        if bad:
            _err(errors, loc, f"variable names are lower-case letters, digits and underscores: {bad[0]!r}")
    return errors


def _examples(part: dict[str, Any], positional: str, named: str, names: list[str], loc: list[Any]) -> Errors:
    """Meta reviews a template with a sample value for each variable."""
    example = part.get("example") or {}
    if shape.is_named(names):
        given = {str(e.get("param_name")) for e in example.get(named) or [] if isinstance(e, dict)}
        missing = [n for n in names if n not in given]
        return [{"loc": [*loc, "example", named], "msg": f"a sample value for {{{{{missing[0]}}}}}"}] if missing else []
    values = example.get(positional) or []
    if positional == "body_text":  # one row of samples: [["Mark", "123"]]
        values = values[0] if values and isinstance(values[0], list) else []
    if len(values) != len(names):
        return [{"loc": [*loc, "example", positional],
                 "msg": f"{len(names)} sample value(s), one per variable (has {len(values)})"}]
    return []


def _footer(part: dict[str, Any], loc: list[Any], category: str) -> Errors:
    errors: Errors = []
    text = str(part.get("text") or "")
    if len(text) > FOOTER_MAX:
        _err(errors, [*loc, "text"], f"at most {FOOTER_MAX} characters (has {len(text)})")
    if shape.variables(text):
        _err(errors, [*loc, "text"], "a footer takes no variables")
    return errors


def _buttons(part: dict[str, Any], loc: list[Any], category: str) -> Errors:
    errors: Errors = []
    items = [b for b in part.get("buttons") or [] if isinstance(b, dict)]
    if not items or len(items) > BUTTONS_MAX:
        _err(errors, [*loc, "buttons"], f"1 to {BUTTONS_MAX} buttons")
    kinds = [str(b.get("type", "")).upper() for b in items]
    for kind, cap in PER_TYPE_MAX.items():
        if kinds.count(kind) > cap:
            _err(errors, [*loc, "buttons"], f"at most {cap} {kind} button(s)")
    quick = [i for i, k in enumerate(kinds) if k == "QUICK_REPLY"]
    if quick and quick != list(range(quick[0], quick[0] + len(quick))):
        _err(errors, [*loc, "buttons"], "quick replies must be next to each other")
    if category == "AUTHENTICATION" and kinds != ["OTP"]:
        _err(errors, [*loc, "buttons"], "an AUTHENTICATION template has exactly one OTP button")
    for i, (kind, button) in enumerate(zip(kinds, items, strict=True)):
        errors.extend(_button(kind, button, [*loc, "buttons", i]))
    return errors


def _button(kind: str, button: dict[str, Any], loc: list[Any]) -> Errors:
    errors: Errors = []
    if kind not in BUTTON_TYPES:
        _err(errors, [*loc, "type"], f"one of {', '.join(BUTTON_TYPES)}")
        return errors
    text = str(button.get("text") or "")
    if kind not in ("OTP", "COPY_CODE") and not text.strip():
        _err(errors, [*loc, "text"], "a button needs its text")
    if len(text) > BUTTON_TEXT_MAX:
        _err(errors, [*loc, "text"], f"at most {BUTTON_TEXT_MAX} characters (has {len(text)})")
    if kind == "URL":
        url = str(button.get("url") or "")
        names = shape.variables(url)
        if not url.startswith(("https://", "http://")) or len(url) > URL_MAX:
            _err(errors, [*loc, "url"], f"an http(s) URL of at most {URL_MAX} characters")
        if len(names) > 1 or (names and not url.endswith("}}")):
            _err(errors, [*loc, "url"], "a URL takes one variable, at its end")
        elif names and not button.get("example"):
            _err(errors, [*loc, "example"], "a sample URL for the variable")
    if kind == "PHONE_NUMBER":
        phone = str(button.get("phone_number") or "")
        if not re.fullmatch(r"\+?[0-9]{4,20}", phone) or len(phone) > PHONE_MAX:
            _err(errors, [*loc, "phone_number"], f"a phone number of at most {PHONE_MAX} digits")
    return errors
