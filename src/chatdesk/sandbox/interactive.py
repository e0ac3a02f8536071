"""Validation of interactive send bodies (lists, reply buttons, CTA URL) against Meta's limits.

Limits come from SPEC §2.4 (wa-openapi schemas and Meta's list-message page). Each violation
raises 131009 with a details sentence naming the field, e.g. "Row title is too long. Max length
is 24"; a missing required field raises 131008.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import GraphAPIError

LIST_BODY_MAX = 4096      # Meta's list page; the generic BodyObject says 1024 (SPEC §6)
BUTTON_BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
LIST_BUTTON_MAX = 20
SECTIONS_MAX = 10
ROWS_MAX = 10
SECTION_TITLE_MAX = 24
ROW_ID_MAX = 200
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
HEADER_MEDIA = ("image", "video", "document")

MediaCheck = Callable[[str, dict[str, Any]], None]


def _missing(field: str) -> GraphAPIError:
    return GraphAPIError(131008, f"The parameter {field} is required.")


def _text(obj: Any, key: str, field: str, label: str, limit: int, required: bool = True) -> str:
    """A string field: present when required, non-blank, within ``limit`` characters."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _missing(field)
        return ""
    if not isinstance(value, str):
        raise GraphAPIError(100, f"Param {field} must be a string.")
    if len(value) > limit:
        raise GraphAPIError(131009, f"{label} is too long. Max length is {limit}")
    return value


def _object(parent: dict[str, Any], key: str, field: str, required: bool) -> dict[str, Any] | None:
    value = parent.get(key)
    if value is None:
        if required:
            raise _missing(field)
        return None
    if not isinstance(value, dict):
        raise GraphAPIError(100, f"Param {field} must be an object.")
    return value


def check_interactive(interactive: dict[str, Any], check_media: MediaCheck) -> None:
    kind = interactive.get("type")
    if not kind:
        raise _missing("interactive['type']")
    checkers = {"list": _check_list, "button": _check_buttons, "cta_url": _check_cta_url}
    if kind not in checkers:
        raise GraphAPIError(131009, f"Interactive type {kind!r} is not supported. "
                                    f"Use one of: {', '.join(checkers)}")
    checkers[kind](interactive, check_media)


def _check_footer(interactive: dict[str, Any]) -> None:
    footer = _object(interactive, "footer", "interactive['footer']", required=False)
    if footer is not None:
        _text(footer, "text", "interactive['footer']['text']", "Footer text", FOOTER_MAX)


def _check_header(interactive: dict[str, Any], allowed: tuple[str, ...],
                  check_media: MediaCheck) -> None:
    header = _object(interactive, "header", "interactive['header']", required=False)
    if header is None:
        return
    kind = header.get("type")
    if kind not in allowed:
        raise GraphAPIError(131009, f"Header type must be one of: {', '.join(allowed)}")
    if kind == "text":
        _text(header, "text", "interactive['header']['text']", "Header text", HEADER_MAX)
        return
    media = _object(header, kind, f"interactive['header']['{kind}']", required=True)
    check_media(kind, media or {})


def _check_list(interactive: dict[str, Any], check_media: MediaCheck) -> None:
    _check_header(interactive, ("text",), check_media)
    body = _object(interactive, "body", "interactive['body']", required=True)
    _text(body, "text", "interactive['body']['text']", "Body text", LIST_BODY_MAX)
    _check_footer(interactive)
    action = _object(interactive, "action", "interactive['action']", required=True) or {}
    _text(action, "button", "interactive['action']['button']", "Button text", LIST_BUTTON_MAX)
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise _missing("interactive['action']['sections']")
    if len(sections) > SECTIONS_MAX:
        raise GraphAPIError(131009, f"Too many sections. Max number of sections is {SECTIONS_MAX}")
    rows = [row for section in sections for row in _section_rows(section, len(sections) > 1)]
    if len(rows) > ROWS_MAX:
        raise GraphAPIError(131009, f"Too many rows. Max number of rows is {ROWS_MAX} "
                                    "across all sections")
    ids = [_check_row(row) for row in rows]
    if len(set(ids)) != len(ids):
        raise GraphAPIError(131009, "Row ids must be unique.")


def _section_rows(section: Any, title_required: bool) -> list[Any]:
    if not isinstance(section, dict):
        raise GraphAPIError(100, "Param interactive['action']['sections'] must be a list of "
                                 "objects.")
    _text(section, "title", "interactive['action']['sections'][]['title']", "Section title",
          SECTION_TITLE_MAX, required=title_required)
    rows = section.get("rows")
    if not isinstance(rows, list) or not rows:
        raise _missing("interactive['action']['sections'][]['rows']")
    return rows


def _check_row(row: Any) -> str:
    if not isinstance(row, dict):
        raise GraphAPIError(100, "Param rows must be a list of objects.")
    row_id = _text(row, "id", "rows[]['id']", "Row id", ROW_ID_MAX)
    _text(row, "title", "rows[]['title']", "Row title", ROW_TITLE_MAX)
    _text(row, "description", "rows[]['description']", "Row description", ROW_DESCRIPTION_MAX,
          required=False)
    return row_id


def _check_buttons(interactive: dict[str, Any], check_media: MediaCheck) -> None:
    _check_header(interactive, ("text", *HEADER_MEDIA), check_media)
    body = _object(interactive, "body", "interactive['body']", required=True)
    _text(body, "text", "interactive['body']['text']", "Body text", BUTTON_BODY_MAX)
    _check_footer(interactive)
    action = _object(interactive, "action", "interactive['action']", required=True) or {}
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise _missing("interactive['action']['buttons']")
    if len(buttons) > BUTTONS_MAX:
        raise GraphAPIError(131009, f"Too many buttons. Max number of buttons is {BUTTONS_MAX}")
    replies = [_check_button(button) for button in buttons]
    ids = [reply_id for reply_id, _ in replies]
    titles = [title for _, title in replies]
    if len(set(ids)) != len(ids):
        raise GraphAPIError(131009, "Button ids must be unique.")
    if len(set(titles)) != len(titles):
        raise GraphAPIError(131009, "Button titles must be unique.")


def _check_button(button: Any) -> tuple[str, str]:
    if not isinstance(button, dict):
        raise GraphAPIError(100, "Param buttons must be a list of objects.")
    if button.get("type") != "reply":
        raise GraphAPIError(131009, "Button type must be reply.")
    reply = _object(button, "reply", "buttons[]['reply']", required=True) or {}
    reply_id = _text(reply, "id", "buttons[]['reply']['id']", "Button id", BUTTON_ID_MAX)
    if reply_id != reply_id.strip():
        raise GraphAPIError(131009, "Button id must not have leading or trailing spaces.")
    title = _text(reply, "title", "buttons[]['reply']['title']", "Button title", BUTTON_TITLE_MAX)
    return reply_id, title


def _check_cta_url(interactive: dict[str, Any], check_media: MediaCheck) -> None:
    _check_header(interactive, ("text", *HEADER_MEDIA), check_media)
    body = _object(interactive, "body", "interactive['body']", required=True)
    _text(body, "text", "interactive['body']['text']", "Body text", BUTTON_BODY_MAX)
    _check_footer(interactive)
    action = _object(interactive, "action", "interactive['action']", required=True) or {}
    params = _object(action, "parameters", "interactive['action']['parameters']", True) or {}
    _text(params, "display_text", "parameters['display_text']", "Display text", BUTTON_TITLE_MAX)
    url = _text(params, "url", "parameters['url']", "URL", 2000)
    if not url.startswith(("http://", "https://")):
        raise GraphAPIError(131009, "parameters['url'] must be an http(s) URL.")
