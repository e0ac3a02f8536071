"""REST API v1: spend. ``GET /api/v1/costs`` (totals and rows grouped by day, category, channel,
country or team) and ``GET /api/v1/costs/export.csv`` (every priced message, streamed)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from ..accounts.deps import api_workspace
from ..core.runtime import Runtime, use_runtime
from . import cost_report, pricing

router = APIRouter(prefix="/api/v1", tags=["costs"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]
From = Annotated[str | None, Query(alias="from", description="first day, YYYY-MM-DD (default: the 1st of this month)")]
To = Annotated[str | None, Query(alias="to", description="last day, YYYY-MM-DD, inclusive (default: today)")]


def line_out(line: cost_report.Line) -> dict[str, Any]:
    return {"key": line.key, "messages": line.messages, "billable": line.billable, "free": line.free,
            "unpriced": line.unpriced, "conversations": len(line.conversations),
            "amount": str(pricing.from_micros(line.micros)),
            "per_conversation": str(pricing.from_micros(line.per_conversation))}


@router.get("/costs")
async def costs(ws: Workspace, rt: Rt, start: From = None, end: To = None,
                group_by: Annotated[str, Query(description="day | category | channel | country | team")] = "day"):
    """What the period's outbound messages cost: free ones count as free, unreported ones as unpriced."""
    first, last = cost_report.period(start, end, group_by, rt.clock.now().date())
    async with rt.db.reader() as session:
        report = await cost_report.report(session, ws, first, last, group_by)
    return {"from": first.isoformat(), "to": last.isoformat(), "group_by": group_by, "currency": report.currency,
            "totals": line_out(report.total), "rows": [line_out(line) for line in report.rows]}


@router.get("/costs/export.csv")
async def export(ws: Workspace, rt: Rt, start: From = None, end: To = None) -> StreamingResponse:
    first, last = cost_report.period(start, end, "day", rt.clock.now().date())
    async with rt.db.reader() as session:
        messages = await cost_report.priced_messages(session, ws, first, last)
    return csv_response(messages, first, last)


def csv_response(messages: list[cost_report.PricedMessage], first, last) -> StreamingResponse:
    name = f"costs-{first.isoformat()}-{last.isoformat()}.csv"
    return StreamingResponse(cost_report.csv_lines(messages), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
