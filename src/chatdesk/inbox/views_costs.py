"""Settings → Costs and the messaging-limit card of a channel's page. Costs: spend of a period by
day, category, channel, country or team, as a server-rendered SVG bar chart (no chart library)
and a table, with the cost per conversation, the monthly budget, and the period's messages as a
streamed CSV download. The card: a number's tier, quality rating and last 24 h, settable."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from ..channels import setup
from ..conversations import budgets, cost_report, limits, messaging_limits, pricing
from ..conversations.cost_api import csv_response
from ..core.errors import Problem
from .web import Ctx, InboxRoute, admin_ctx, redirect, render

router = APIRouter(prefix="/w/{slug}/settings", route_class=InboxRoute)
Admin = Annotated[Ctx, Depends(admin_ctx)]
From = Annotated[str | None, Query(alias="from")]
To = Annotated[str | None, Query(alias="to")]
CHART_W, CHART_H, LABEL_H = 640, 180, 18


@dataclass(frozen=True)
class Bar:
    key: str
    amount: str
    x: float
    y: float
    width: float
    height: float


def bars(lines: list[cost_report.Line]) -> list[Bar]:
    """One bar per line, scaled to the largest; the chart's geometry is computed here, not in the
    template, so the template only places what it is given."""
    if not lines:
        return []
    top = max(line.micros for line in lines) or 1
    slot = CHART_W / len(lines)
    found = []
    for i, line in enumerate(lines):
        h = (CHART_H - LABEL_H) * line.micros / top
        found.append(Bar(line.key, str(pricing.from_micros(line.micros)), round(i * slot + slot * 0.15, 1),
                         round(CHART_H - LABEL_H - h, 1), round(slot * 0.7, 1), round(h, 1)))
    return found


async def _page(request: Request, ctx: Ctx, start: str | None, end: str | None, by: str,
                status: int = 200, **values: Any) -> Response:
    try:
        first, last = cost_report.period(start, end, by, ctx.rt.clock.now().date())
    except Problem as exc:
        first, last = cost_report.period(None, None, "day", ctx.rt.clock.now().date())
        by, values["problem"], status = "day", exc, 422
    async with ctx.rt.db.reader() as session:
        report = await cost_report.report(session, ctx.ws, first, last, by)
        budget = await cost_report.budget_of(session, ctx.ws)
        spent = await cost_report.month_spend(session, ctx.ws, ctx.rt.clock.now().date())
    money = pricing.from_micros
    return render(request, "admin/costs.html", ctx=ctx, tab="costs", section="settings", status=status,
                  report=report, bars=bars(report.rows), chart=(CHART_W, CHART_H, LABEL_H), groups=cost_report.GROUPS,
                  money=money, budget=f"{money(budget):.2f}" if budget else None, month_spent=f"{money(spent):.2f}",
                  export=ctx.url(f"settings/costs/export.csv?from={first.isoformat()}&to={last.isoformat()}"),
                  **values)


@router.get("/costs")
async def costs_page(ctx: Admin, request: Request, start: From = None, end: To = None,
                     group_by: Annotated[str, Query()] = "day") -> Response:
    return await _page(request, ctx, start, end, group_by)


@router.get("/costs/export.csv")
async def costs_export(ctx: Admin, start: From = None, end: To = None) -> Response:
    first, last = cost_report.period(start, end, "day", ctx.rt.clock.now().date())
    async with ctx.rt.db.reader() as session:
        messages = await cost_report.priced_messages(session, ctx.ws, first, last)
    return csv_response(messages, first, last)


@router.post("/costs/budget")
async def set_budget(ctx: Admin, request: Request, amount: str = Form("")) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            await budgets.set_budget(session, ctx.ws, amount.strip() or None, ctx.rt.clock.now())
    except Problem as exc:
        return await _page(request, ctx, None, None, "day", 422, problem=exc)
    return redirect(request, ctx.url("settings/costs"))


# ------------------------------------------------------------------ a number's messaging limit
async def _limits_card(request: Request, ctx: Ctx, channel_id: int, status: int = 200, **values: Any) -> Response:
    async with ctx.rt.db.reader() as session:
        channel = await setup.get_channel(session, ctx.ws, channel_id)
        usage = await messaging_limits.usage(session, channel, ctx.rt.clock.now())
    limited = "template" in ctx.rt.registry.get(channel.kind).capabilities.outbound_types
    return render(request, "admin/_channel_limits.html", ctx=ctx, channel=channel, usage=usage, limited=limited,
                  tiers=limits.SETTABLE, qualities=limits.QUALITIES, status=status, **values)


@router.get("/channels/{channel_id}/limits")
async def channel_limits(channel_id: int, ctx: Admin, request: Request) -> Response:
    """The channel page's messaging-limit card (loaded by htmx): tier, quality, the last 24 h."""
    return await _limits_card(request, ctx, channel_id)


@router.post("/channels/{channel_id}/limits")
async def set_channel_limits(channel_id: int, ctx: Admin, request: Request, tier: str = Form(""),
                             quality: str = Form("")) -> Response:
    try:
        async with ctx.rt.db.session() as session:
            channel = await setup.get_channel(session, ctx.ws, channel_id)
            messaging_limits.set_quality(session, channel, tier=tier or None, quality=quality or None)
    except Problem as exc:
        return await _limits_card(request, ctx, channel_id, 422, problem=exc)
    return await _limits_card(request, ctx, channel_id)
