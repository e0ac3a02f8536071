"""Approved message templates and the template checks Meta runs on send (132001, 132000, 132012).

A template is identified by (name, language code). The sandbox keeps a small default set
(``hello_world``, ``order_update`` in three languages, ``order_confirmation`` with a document
header as in the conformance request, a marketing ``winter_sale``) and the control API can add
more.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import GraphAPIError

MEDIA_HEADER_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
BODY_PARAM_TYPES = ("text", "currency", "date_time")


@dataclass
class Template:
    name: str
    language: str
    category: str = "UTILITY"
    body_params: int = 0
    header_format: str | None = None   # TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION or None
    header_params: int = 0             # only for TEXT headers with a {{1}} variable
    buttons: list[str] = field(default_factory=list)   # quick-reply labels, in order
    body_text: str = ""
    status: str = "APPROVED"   # APPROVED, PENDING, REJECTED, PAUSED, DISABLED (set by review or control)
    rejected_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def default_templates() -> list[Template]:
    order_update = {
        "en_US": ("Hi {{1}}, your order {{2}} has been shipped and is on its way.",
                  ["Track order", "Talk to us"]),
        "nl": ("Hoi {{1}}, je bestelling {{2}} is verzonden en onderweg.",
               ["Bestelling volgen", "Contact opnemen"]),
        "de": ("Hallo {{1}}, deine Bestellung {{2}} wurde versandt und ist unterwegs.",
               ["Sendung verfolgen", "Kontakt"]),
    }
    templates = [Template("hello_world", "en_US", "UTILITY", 0, "TEXT", 0, [],
                          "Welcome and congratulations!! This message demonstrates your ability "
                          "to send a WhatsApp message notification from the Cloud API.")]
    for lang, (text, buttons) in order_update.items():
        templates.append(Template("order_update", lang, "UTILITY", 2, None, 0, buttons, text))
    templates.append(Template("order_confirmation", "en_US", "UTILITY", 3, "DOCUMENT", 0,
                              ["Track order"],
                              "Thank you {{1}}! Order {{2}} is confirmed; total {{3}}. "
                              "Your receipt is attached."))
    templates.append(Template("winter_sale", "en_US", "MARKETING", 1, None, 0,
                              ["Shop now", "Stop promotions"],
                              "Hi {{1}}, our winter sale has started: up to 40% off."))
    return templates


class TemplateCatalog:
    """The approved templates, keyed by (name, language)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Template] = {}
        self.reset()

    def reset(self) -> None:
        self._items = {(t.name, t.language): t for t in default_templates()}

    def add(self, template: Template) -> None:
        self._items[(template.name, template.language)] = template

    def all(self) -> list[Template]:
        return list(self._items.values())

    def get(self, name: str, language: str) -> Template | None:
        return self._items.get((name, language))

    def check(self, body: dict[str, Any]) -> Template:
        """Existence (132001), then parameter counts (132000) and formats (132012)."""
        name = body.get("name", "")
        language = (body.get("language") or {}).get("code", "")
        template = self.get(name, language)
        if template is None or template.status not in ("APPROVED", "PAUSED", "DISABLED"):
            raise GraphAPIError(132001, f"template name ({name}) does not exist in {language}")
        if template.status == "PAUSED":
            raise GraphAPIError(132015, f"Template {name} is paused due to low quality")
        if template.status == "DISABLED":
            raise GraphAPIError(132016, f"Template {name} has been disabled")
        components = body.get("components") or []
        _check_body(template, _params_of(components, "body"))
        _check_header(template, _params_of(components, "header"))
        _check_buttons(template, components)
        return template


def _params_of(components: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for component in components:
        if str(component.get("type", "")).lower() == kind:
            params.extend(component.get("parameters") or [])
    return params


def _count_mismatch(where: str, got: int, expected: int) -> GraphAPIError:
    return GraphAPIError(132000, f"{where}: number of localizable_params ({got}) does not match "
                                 f"the expected number of params ({expected})")


def _check_body(template: Template, params: list[dict[str, Any]]) -> None:
    if len(params) != template.body_params:
        raise _count_mismatch("body", len(params), template.body_params)
    for param in params:
        if param.get("type") not in BODY_PARAM_TYPES:
            raise GraphAPIError(132012, f"body: parameter type {param.get('type')!r} is not "
                                        "valid for a body parameter")


def _check_header(template: Template, params: list[dict[str, Any]]) -> None:
    fmt = template.header_format
    expected = 1 if fmt in MEDIA_HEADER_FORMATS or fmt == "LOCATION" else template.header_params
    if len(params) != expected:
        raise _count_mismatch("header", len(params), expected)
    if params and fmt and fmt != "TEXT" and params[0].get("type") != fmt.lower():
        raise GraphAPIError(132012, f"header: expected a {fmt.lower()} parameter, "
                                    f"got {params[0].get('type')!r}")


def _check_buttons(template: Template, components: list[dict[str, Any]]) -> None:
    for component in components:
        if str(component.get("type", "")).lower() != "button":
            continue
        index = _button_index(component)
        if component.get("sub_type") == "quick_reply" and index >= len(template.buttons):
            raise GraphAPIError(131009, f"Button at index {index} does not exist in template "
                                        f"{template.name}")


def _button_index(component: dict[str, Any]) -> int:
    try:
        return int(component.get("index", 0))
    except (TypeError, ValueError):
        raise GraphAPIError(131009, "Button index must be an integer") from None


def quick_reply_payloads(template: Template, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, payload) for each quick-reply button; the payload defaults to the label."""
    payloads = {}
    for component in body.get("components") or []:
        if str(component.get("type", "")).lower() == "button":
            for param in component.get("parameters") or []:
                if param.get("type") == "payload":
                    payloads[_button_index(component)] = str(param.get("payload", ""))
    return [(label, payloads.get(i, label)) for i, label in enumerate(template.buttons)]


def render(template: Template, body: dict[str, Any]) -> str:
    """The body text a customer sees, with ``{{n}}`` filled from the send's parameters."""
    values = []
    for param in _params_of(body.get("components") or [], "body"):
        kind = str(param.get("type") or "")
        inner = param.get(kind) if isinstance(param.get(kind), dict) else None
        values.append(str(param.get("text") if kind == "text" else
                          (inner or {}).get("fallback_value", "")))

    def fill(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return values[index] if 0 <= index < len(values) else match.group(0)

    return re.sub(r"\{\{(\d+)\}\}", fill, template.body_text)
