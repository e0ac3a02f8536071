"""``GET /{version}/{waba-id}/message_templates``: the approved templates in Meta's list shape.

Answer: ``{"data": [{name, components, language, status, category, id}], "paging": {"cursors":
{"before", "after"}, "next"?, "previous"?}}`` (SPEC §2.6). Filters ``name`` (part of the name),
``status``, ``category``, ``language`` (comma lists, as pywa sends them) and ``fields`` (also
``parameter_format``) and ``summary`` (``total_count``, ``message_template_count``, …); cursor
paging with ``limit`` (default 25), ``after`` and ``before``. The data are the sandbox's template
catalogue; every template is ``APPROVED`` there.
"""
from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .catalog import Template
from .errors import GraphAPIError, invalid_token, malformed_token, unknown_object
from .graph import graph_call, sandbox_of
from .sending import bearer_token

if TYPE_CHECKING:
    from .runtime import Sandbox

router = APIRouter()
DEFAULT_LIMIT = 25
TEMPLATE_LIMIT = 250   # Meta's template limit for a WABA of an unverified business
DEFAULT_FIELDS = ("name", "components", "language", "status", "category", "id")


def template_id(template: Template) -> str:
    """A stable numeric id per (name, language), shaped like Meta's (16 digits)."""
    digest = hashlib.sha256(f"{template.name}\0{template.language}".encode()).digest()
    return str(10**15 + int.from_bytes(digest[:8]) % (9 * 10**15))


def _examples(count: int) -> list[str]:
    """Sample values: Meta keeps the examples a template was approved with and lists them."""
    return [f"example {n}" for n in range(1, count + 1)]


def _header(template: Template) -> dict[str, Any]:
    header: dict[str, Any] = {"type": "HEADER", "format": template.header_format}
    if template.header_format == "TEXT":
        header["text"] = template.name.replace("_", " ").title()
        if template.header_params:
            header["text"] += " {{1}}"
            header["example"] = {"header_text": _examples(1)}
    elif template.header_format != "LOCATION":
        sample = f"https://www.example.com/sample.{str(template.header_format).lower()}"
        header["example"] = {"header_handle": [sample]}
    return header


def _components(template: Template) -> list[dict[str, Any]]:
    components: list[dict[str, Any]] = [_header(template)] if template.header_format else []
    body: dict[str, Any] = {"type": "BODY", "text": template.body_text}
    if template.body_params:
        body["example"] = {"body_text": [_examples(template.body_params)]}
    components.append(body)
    if template.buttons:
        components.append({"type": "BUTTONS", "buttons": [
            {"type": "QUICK_REPLY", "text": label} for label in template.buttons]})
    return components


def template_json(template: Template) -> dict[str, Any]:
    return {"name": template.name, "components": _components(template),
            "language": template.language, "status": template.status,
            "category": template.category.upper(), "id": template_id(template),
            "parameter_format": "POSITIONAL"}   # only when asked for (``fields``), as on Meta


def _cursor(item: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(f"template:{item['id']}".encode()).decode().rstrip("=")


def _listed(sb: Sandbox, query: dict[str, str]) -> list[dict[str, Any]]:
    """The catalogue in order, filtered as the query asks."""
    items = [template_json(t) for t in sb.catalog.all()]
    name = query.get("name", "").lower()
    if name:
        items = [i for i in items if name in i["name"].lower()]
    for key in ("status", "category", "language"):
        if query.get(key):
            wanted = {v.strip().upper() for v in query[key].split(",")}
            items = [i for i in items if i[key].upper() in wanted]
    return items


def _limit(query: dict[str, str]) -> int:
    raw = query.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or int(raw) < 1:
        raise GraphAPIError(100, "Param limit must be a positive integer")
    return int(raw)


def _window(items: list[dict[str, Any]], query: dict[str, str]) -> tuple[int, int]:
    """[start, end) of the page: after a cursor, before one, or from the top."""
    limit, cursors = _limit(query), [_cursor(i) for i in items]
    if query.get("after"):
        start = cursors.index(query["after"]) + 1 if query["after"] in cursors else len(items)
        return start, min(start + limit, len(items))
    if query.get("before"):
        end = cursors.index(query["before"]) if query["before"] in cursors else 0
        return max(0, end - limit), end
    return 0, min(limit, len(items))


def _page_url(request: Request, **cursor: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k not in ("after", "before")}
    return str(request.url.replace_query_params(**params, **cursor))


def _select(item: dict[str, Any], fields: str | None) -> dict[str, Any]:
    wanted = {f.strip() for f in fields.split(",")} if fields else set(DEFAULT_FIELDS)
    return {k: v for k, v in item.items() if k in wanted or k == "id"}


def list_templates(sb: Sandbox, request: Request, waba_id: str) -> dict[str, Any]:
    _authenticate(sb, waba_id, bearer_token(request.headers.get("authorization")))
    query = dict(request.query_params)
    items = _listed(sb, query)
    start, end = _window(items, query)
    page = items[start:end]
    paging: dict[str, Any] = {"cursors": {}}
    if page:
        paging["cursors"] = {"before": _cursor(page[0]), "after": _cursor(page[-1])}
        if end < len(items):
            paging["next"] = _page_url(request, after=paging["cursors"]["after"])
        if start > 0:
            paging["previous"] = _page_url(request, before=paging["cursors"]["before"])
    answer = {"data": [_select(i, query.get("fields")) for i in page], "paging": paging}
    if query.get("summary"):
        answer["summary"] = _summary(sb, items, query["summary"])
    return answer


def _summary(sb: Sandbox, items: list[dict[str, Any]], asked: str) -> dict[str, Any]:
    """``summary=total_count,…``: counts over the filtered list and the whole WABA."""
    known = {"total_count": len(items), "message_template_count": len(sb.catalog.all()),
             "message_template_limit": TEMPLATE_LIMIT, "are_translations_complete": True}
    return {k: known[k] for k in (f.strip() for f in asked.split(",")) if k in known}


def _authenticate(sb: Sandbox, waba_id: str, token: str | None) -> None:
    """The token must belong to a number of this WABA; an unknown WABA is 100 / 33."""
    if not token:
        raise malformed_token()
    numbers = [n for n in sb.state.numbers.values() if n.waba_id == waba_id]
    if not numbers:
        raise unknown_object(waba_id, "get") if sb.state.token_known(token) else invalid_token()
    owner = next((n for n in numbers if n.access_token == token), numbers[0])
    sb.state.authenticate(owner.phone_number_id, token, "get")


@router.get("/{version}/{waba_id}/message_templates")
async def get_templates(version: str, waba_id: str, request: Request) -> Response:
    sb = sandbox_of(request)
    return graph_call(request, version, "message_templates", None, b"",
                  lambda: list_templates(sb, request, waba_id))
