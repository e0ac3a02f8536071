"""A number's messaging limit tier and quality rating in the sandbox: a control endpoint sets
them, and the sandbox tells chatdesk as Meta does, with a signed ``phone_number_quality_update``
webhook (Meta's webhook reference, updated May 21, 2026: ``current_limit`` and its replacement
``max_daily_conversations_per_business``; ``FLAGGED``/``UNFLAGGED`` when the quality rating
drops to low / is restored)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from . import envelopes

router = APIRouter(prefix="/_sandbox")
TIER = "^TIER_(50|250|1K|2K|10K|100K|UNLIMITED|NOT_SET)$"
EVENT_OF_QUALITY = {"RED": "FLAGGED", "GREEN": "UNFLAGGED"}


class QualityIn(BaseModel):
    tier: str | None = Field(default=None, pattern=TIER)
    quality: str | None = Field(default=None, pattern="^(GREEN|YELLOW|RED)$")
    event: str | None = Field(default=None, pattern="^[A-Z_]{1,40}$")  # default: from what changed


def quality_update(waba_id: str, display: str, at: int, *, event: str, tier: str | None,
                   old_tier: str | None) -> dict[str, Any]:
    value: dict[str, Any] = {"display_phone_number": display, "event": event}
    if tier:
        value |= {"current_limit": tier, "max_daily_conversations_per_business": tier}
        if old_tier and old_tier != tier:
            value["old_limit"] = old_tier
    change = {"value": value, "field": "phone_number_quality_update"}
    return {"object": "whatsapp_business_account", "entry": [{"id": waba_id, "time": at, "changes": [change]}]}


@router.post("/numbers/{phone_number_id}/quality")
async def set_quality(phone_number_id: str, body: QualityIn, request: Request) -> dict[str, Any]:
    """Set a number's tier and/or quality rating and send the webhook Meta would send."""
    sb = request.app.state.sandbox
    number = sb.state.numbers.get(phone_number_id)
    if number is None:
        raise HTTPException(404, f"no number {phone_number_id}")
    if body.tier is None and body.quality is None:
        raise HTTPException(422, "give tier and/or quality")
    before = sb.number_quality.setdefault(phone_number_id, {"tier": None, "quality": None})
    event = body.event or (EVENT_OF_QUALITY.get(body.quality or "") if body.quality else None) or (
        "UPGRADE" if _rank(body.tier) >= _rank(before["tier"]) else "DOWNGRADE")
    payload = quality_update(number.waba_id, number.display_phone_number, int(sb.clock().timestamp()),
                             event=event, tier=body.tier or before["tier"], old_tier=before["tier"])
    before.update({k: v for k, v in (("tier", body.tier), ("quality", body.quality)) if v is not None})
    delivery = sb.webhooks.send(envelopes.encode_json(payload), kind=f"quality:{phone_number_id}")
    return {"delivery_id": delivery.id, "event": event, **before}


def _rank(tier: str | None) -> int:
    order = ["TIER_NOT_SET", "TIER_50", "TIER_250", "TIER_1K", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"]
    return order.index(tier) if tier in order else -1
