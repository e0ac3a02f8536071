"""The phone page: ``GET /phone``, a WhatsApp-like web page for playing a customer by hand.

The page is rendered server-side (Jinja2, autoescaped) and driven by a little vanilla JS in
``static/phone.js`` that polls the control API. Everything is served by the sandbox itself.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

if TYPE_CHECKING:
    from .runtime import Sandbox
    from .state import Customer, Inbound, Outbound

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
router = APIRouter()
_env = Environment(loader=FileSystemLoader(HERE / "templates"),
                   autoescape=select_autoescape(["html"]))


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/phone")


@router.get("/phone", response_class=HTMLResponse)
async def phone(request: Request, wa_id: str | None = None) -> HTMLResponse:
    sb: Sandbox = request.app.state.sandbox
    customers = sorted(sb.state.customers.values(), key=lambda c: (not c.persona, c.name))
    selected = wa_id if wa_id in sb.state.customers else _most_recent(sb, customers)
    html = _env.get_template("phone.html").render(
        customers=customers, numbers=list(sb.state.numbers.values()), selected=selected)
    return HTMLResponse(html)


def _most_recent(sb: Sandbox, customers: list[Customer]) -> str:
    """Open on whoever last wrote or was written to; else the first customer."""
    records: list[Inbound | Outbound] = [*sb.state.inbound, *sb.state.outbound]
    latest = [r.wa_id for r in sorted(records, key=lambda r: r.seq)]
    if latest:
        return latest[-1]
    return customers[0].wa_id if customers else ""
