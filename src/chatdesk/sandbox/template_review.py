"""``POST /{version}/{waba-id}/message_templates``: a submitted template reviewed as Meta does,
and the ``message_template_status_update`` webhooks that tell the business the outcome.

Review rules (Meta's documented ones, SPEC §2.6): name ``a-z0-9_`` of at most 512; category
MARKETING, UTILITY or AUTHENTICATION; a BODY of at most 1,024 characters; numbered variables
consecutive from ``{{1}}``; no variable at the very start or end of the body (Meta's error 100,
subcode 2388299); header and footer text at most 60; at most 10 buttons. Refusals answer Meta's
error envelope (code 100 with details); an accepted template is ``PENDING``, then ``APPROVED``
with its status webhook. ``POST /_sandbox/templates/status`` changes a template's status (PAUSED,
DISABLED, REJECTED with a reason...) and sends the webhook, so tests can drive every state.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from .catalog import Template
from .errors import GraphAPIError
from .graph import graph_call, sandbox_of
from .sending import bearer_token
from .template_listing import _authenticate, template_id

if TYPE_CHECKING:
    from .runtime import Sandbox

router = APIRouter()
control = APIRouter(prefix="/_sandbox")
NAME = re.compile(r"^[a-z0-9_]{1,512}$")
VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
VARIABLE_AT_EDGE = 2388299   # Meta's subcode: "Variables can't be at the start or end of the template"


def _component(components: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((c for c in components if isinstance(c, dict) and str(c.get("type", "")).upper() == kind), None)


def review(draft: dict[str, Any]) -> Template:
    """The template ``draft`` describes, or the GraphAPIError Meta answers a bad one with."""
    name, language = str(draft.get("name") or ""), str(draft.get("language") or "")
    if not NAME.match(name):
        raise GraphAPIError(100, "Param name must be lower-case letters, digits and underscores, at most 512.")
    if not language:
        raise GraphAPIError(100, "The parameter language is required.")
    category = str(draft.get("category") or "").upper()
    if category not in ("MARKETING", "UTILITY", "AUTHENTICATION"):
        raise GraphAPIError(100, "Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}.")
    components = [c for c in draft.get("components") or [] if isinstance(c, dict)]
    body = _component(components, "BODY")
    text = str((body or {}).get("text") or "")
    if body is None or (not text and category != "AUTHENTICATION"):
        raise GraphAPIError(100, "A BODY component with text is required.")
    if len(text) > 1024:
        raise GraphAPIError(100, "Body text is too long. Max length is 1024")
    names = [m.group(1) for m in VARIABLE.finditer(text)]
    if names and (text.strip().startswith("{{") or text.strip().endswith("}}")):
        raise GraphAPIError(100, "Variables can't be at the start or end of the template.",
                            error_subcode=VARIABLE_AT_EDGE)
    numbered = sorted({int(n) for n in names if n.isdigit()})
    if numbered and numbered != list(range(1, len(numbered) + 1)):
        raise GraphAPIError(100, "Variable parameters must be sequential, starting at {{1}}.")
    header, footer = _component(components, "HEADER"), _component(components, "FOOTER")
    for part, what in ((header, "Header"), (footer, "Footer")):
        if part and len(str(part.get("text") or "")) > 60:
            raise GraphAPIError(100, f"{what} text is too long. Max length is 60")
    buttons = (_component(components, "BUTTONS") or {}).get("buttons") or []
    if len(buttons) > 10:
        raise GraphAPIError(100, "A template has at most 10 buttons.")
    fmt = str(header.get("format") or "TEXT").upper() if header else None
    return Template(name, language, category, len(set(names)), fmt,
                    len(VARIABLE.findall(str(header.get("text") or ""))) if header and fmt == "TEXT" else 0,
                    [str(b.get("text") or "") for b in buttons if str(b.get("type", "")).upper() == "QUICK_REPLY"],
                    text, status="PENDING")


def status_webhook(sb: Sandbox, waba_id: str, template: Template) -> None:
    """``message_template_status_update`` for ``template``'s current status."""
    value = {"event": template.status, "message_template_id": int(template_id(template)),
             "message_template_name": template.name, "message_template_language": template.language,
             "reason": template.rejected_reason or "NONE"}
    body = {"object": "whatsapp_business_account", "entry": [{
        "id": waba_id, "time": int(sb.clock().timestamp()),
        "changes": [{"field": "message_template_status_update", "value": value}]}]}
    sb.webhooks.send(json.dumps(body).encode(), "template_status")


def create(sb: Sandbox, request: Request, waba_id: str, raw: bytes) -> dict[str, Any]:
    _authenticate(sb, waba_id, bearer_token(request.headers.get("authorization")))
    try:
        draft = json.loads(raw or b"{}")
    except ValueError:
        raise GraphAPIError(100, "The request body must be JSON.") from None
    template = review(draft if isinstance(draft, dict) else {})
    if sb.catalog.get(template.name, template.language) is not None:
        raise GraphAPIError(100, f"Content in this language already exists: {template.name} ({template.language})")
    sb.catalog.add(template)
    answer = {"id": template_id(template), "status": "PENDING", "category": template.category}
    template.status = "APPROVED"   # the review passed: approved, as the webhook tells
    status_webhook(sb, waba_id, template)
    return answer


@router.post("/{version}/{waba_id}/message_templates")
async def post_template(version: str, waba_id: str, request: Request) -> Response:
    raw = await request.body()
    sb = sandbox_of(request)
    return graph_call(request, version, "message_templates", None, raw, lambda: create(sb, request, waba_id, raw))


class StatusIn(BaseModel):
    name: str
    language: str
    status: str
    reason: str | None = None


@control.post("/templates/status")
async def set_status(body: StatusIn, request: Request) -> dict[str, Any]:
    """Change a template's status (as Meta's review or quality checks would) and send its webhook."""
    sb = sandbox_of(request)
    template = sb.catalog.get(body.name, body.language)
    if template is None:
        return {"error": "no such template"}
    template.status = body.status.upper()
    template.rejected_reason = body.reason if template.status == "REJECTED" else None
    for waba_id in dict.fromkeys(n.waba_id for n in sb.state.numbers.values()):
        status_webhook(sb, waba_id, template)
    return template.to_json()
