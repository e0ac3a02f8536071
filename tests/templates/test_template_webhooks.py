"""Template status and quality webhooks (signed, routed by the business account) update the rows."""
from __future__ import annotations

import json

from sqlalchemy import select

from chatdesk.channels.base import InboundTemplateEvent
from chatdesk.channels.templates.models import MessageTemplate
from chatdesk.channels.whatsapp.inbound import parse_events, routing_ids
from tests.conftest import WABA, payload, settle


def body(**value) -> bytes:
    raw = json.loads(payload("wa_template_status_update.json").decode().replace("WABA_ID", WABA))
    raw["entry"][0]["changes"][0]["value"].update(value)
    return json.dumps(raw).encode()


def quality(score: str) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes": [{
        "field": "message_template_quality_update", "value": {
            "previous_quality_score": "GREEN", "new_quality_score": score, "message_template_id": 1,
            "message_template_name": "order_update", "message_template_language": "en_US"}}]}]}).encode()


def test_the_payload_parses_to_a_template_event_routed_by_account():
    raw = body()
    assert routing_ids(raw) == [f"waba_id={WABA}"]
    (event,) = parse_events(raw)
    assert event == InboundTemplateEvent(f"waba_id={WABA}", "1689556908129832", "order_update", "en_US",
                                         status="REJECTED", reason="INCORRECT_CATEGORY")
    (q,) = parse_events(quality("RED"))
    assert q.quality == "RED" and q.status is None


async def row(stack, language="en_US") -> MessageTemplate:
    async with stack.rt.db.reader() as session:
        return (await session.execute(select(MessageTemplate).where(
            MessageTemplate.name == "order_update", MessageTemplate.language == language))).scalar_one()


async def test_status_webhooks_update_the_template(stack):
    assert (await stack.api.post("/api/v1/templates/sync")).status_code == 200
    provider_id = (await row(stack)).provider_id
    resp = await stack.webhook(body(message_template_id=int(provider_id)))
    assert resp.status_code == 200
    rejected = await settle(lambda: _with_status(stack, "REJECTED"))
    assert rejected.rejected_reason == "INCORRECT_CATEGORY"
    for event in ("PAUSED", "DISABLED", "APPROVED"):
        await stack.webhook(body(message_template_id=int(provider_id), event=event, reason="NONE"))
        assert (await settle(lambda e=event: _with_status(stack, e))).rejected_reason is None
    await stack.webhook(quality("YELLOW").replace(b'"message_template_id": 1', b'"message_template_id": '
                                                  + provider_id.encode()))
    assert await settle(lambda: _quality(stack, "YELLOW"))
    assert (await row(stack, "nl")).status == "APPROVED"  # only the template named changed


async def _with_status(stack, status):
    found = await row(stack)
    return found if found.status == status else None


async def _quality(stack, score):
    return (await row(stack)).quality == score
