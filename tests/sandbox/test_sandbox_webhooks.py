"""Webhooks as chatdesk receives them: signed, documented envelope, statuses in order with PMP
pricing, redelivery after failures with the same bytes, and conformance payloads parse."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from chatdesk.channels.whatsapp.payloads import WebhookEnvelope
from chatdesk.sandbox.config import SandboxConfig
from tests.conftest import PAYLOADS
from tests.sandbox.sandbox_helpers import (
    ALEX,
    BEFORE_OCTOBER,
    DISPLAY,
    PNID,
    SECRET,
    WABA,
    Clock,
    Harness,
    parse,
    text,
    wait_for,
)

CONFORMANCE = PAYLOADS / "whatsapp"  # copies of the conformance set (SOURCE.md there)
WEBHOOK_FILES = sorted(p.name for p in CONFORMANCE.glob("wa_*.json")
                       if p.name.startswith(("wa_inbound_", "wa_status_", "wa_batched_")))


@pytest.mark.parametrize("name", WEBHOOK_FILES)
def test_conformance_webhooks_parse(name: str):
    envelope = WebhookEnvelope.model_validate_json((CONFORMANCE / name).read_bytes())
    assert envelope.object == "whatsapp_business_account"
    assert envelope.phone_number_ids() == ["109876543210987"]


async def test_inbound_text_webhook_is_signed_and_documented(h: Harness):
    result = await h.customer(ALEX, type="text", text="Do you have size 42?")
    await wait_for(lambda: h.receiver.bodies)
    status, body, headers = h.receiver.attempts[0]
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert headers["x-hub-signature-256"] == "sha256=" + hmac.new(
        SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-hub-signature"] == "sha1=" + hmac.new(
        SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert parse(body) == result["webhook"]
    envelope = WebhookEnvelope.model_validate_json(body)
    entry = envelope.entry[0]
    assert entry.id == WABA
    value = entry.changes[0].value
    assert entry.changes[0].field == "messages"
    assert value.messaging_product == "whatsapp"
    assert (value.metadata.display_phone_number, value.metadata.phone_number_id) == (DISPLAY, PNID)
    assert value.contacts[0].wa_id == ALEX
    message = value.messages[0]
    assert message.from_ == ALEX and message.id == result["id"] and message.type == "text"
    assert message.timestamp.isdigit()
    assert message.text.body == "Do you have size 42?"


INBOUND_SPECS = [
    {"type": "image", "caption": "Damaged box"},
    {"type": "audio"},
    {"type": "video", "caption": "Unboxing"},
    {"type": "document", "caption": "Invoice", "filename": "invoice.pdf"},
    {"type": "sticker"},
    {"type": "location", "latitude": 52.37, "longitude": 4.89, "name": "Home",
     "address": "Damrak 1, Amsterdam"},
    {"type": "contacts", "name": "Lucia Gomez"},
    {"type": "reaction", "emoji": "👍", "message_id": "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBQA"},
    {"type": "order", "items": [{"product_retailer_id": "sku-1", "quantity": 2,
                                 "item_price": 30, "currency": "EUR"}]},
    {"type": "unsupported"},
    {"type": "text", "text": "From the ad", "referral": {"source_type": "ad",
                                                        "source_id": "1202263"}},
    {"type": "list_reply", "id": "row-1", "title": "Row", "context_message_id": "wamid.X"},
    {"type": "button_reply", "id": "btn-1", "title": "Yes", "context_message_id": "wamid.X"},
    {"type": "template_button", "payload": "stop", "title": "Stop",
     "context_message_id": "wamid.X"},
]


@pytest.mark.parametrize("spec", INBOUND_SPECS, ids=[s["type"] for s in INBOUND_SPECS])
async def test_every_inbound_type_parses(h: Harness, spec):
    result = await h.customer(ALEX, **spec)
    value = WebhookEnvelope.model_validate(result["webhook"]).entry[0].changes[0].value
    message = value.messages[0]
    wire_type = {"list_reply": "interactive", "button_reply": "interactive",
                 "template_button": "button"}.get(spec["type"], spec["type"])
    assert message.type == wire_type
    if "context_message_id" in spec:
        assert (message.context.from_, message.context.id) == (DISPLAY, "wamid.X")
    if spec["type"] == "unsupported":
        assert message.errors[0].code == 131051
    await wait_for(lambda: h.receiver.bodies)
    if spec["type"] == "order":   # numbers go out as given, as in wa_inbound_order.json
        assert b'"item_price":30,' in h.receiver.bodies[0]
    WebhookEnvelope.model_validate_json(h.receiver.bodies[0])


async def test_reply_without_a_business_message_to_answer_is_refused(h: Harness):
    response = await h.http.post(f"/_sandbox/customers/{ALEX}/messages",
                                 json={"type": "list_reply", "id": "x", "title": "X"})
    assert response.status_code == 400


async def test_batch_produces_one_post(h: Harness):
    response = await h.http.post("/_sandbox/webhooks/batch", json={"messages": [
        {"wa_id": ALEX, "type": "text", "text": "one"},
        {"wa_id": "15550004444", "type": "text", "text": "two"},
        {"wa_id": ALEX, "type": "reaction", "emoji": "❤️", "message_id": "wamid.Y"}]})
    assert response.status_code == 200
    await wait_for(lambda: h.receiver.bodies)
    assert len(h.receiver.bodies) == 1
    value = WebhookEnvelope.model_validate_json(h.receiver.bodies[0]).entry[0].changes[0].value
    assert [c.wa_id for c in value.contacts] == [ALEX, "15550004444"]
    assert [m.type for m in value.messages] == ["text", "text", "reaction"]


async def test_raw_webhook_is_signed_verbatim(h: Harness):
    raw = (CONFORMANCE / "wa_batched_multi.json").read_text()
    await h.http.post("/_sandbox/webhooks/raw", json={"body": raw})
    await wait_for(lambda: h.receiver.bodies)
    assert h.receiver.bodies[0] == raw.encode()


async def test_status_sequence_with_pricing(make_harness):
    h = await make_harness(clock=Clock(BEFORE_OCTOBER))   # service messages still free
    await h.customer(ALEX, type="text", text="hi")
    wamid = (await h.send({**text(), "biz_opaque_callback_data": "ticket-7"})).json()[
        "messages"][0]["id"]
    statuses = await wait_for(lambda: [s for s in h.receiver.statuses() if s["id"] == wamid]
                              if len(h.receiver.statuses()) >= 3 else None)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    sent = statuses[0]
    assert sent["recipient_id"] == ALEX and sent["timestamp"].isdigit()
    assert sent["biz_opaque_callback_data"] == "ticket-7"
    assert sent["conversation"]["origin"]["type"] == "service"   # v23.0 in the path
    assert sent["conversation"]["expiration_timestamp"].isdigit()
    assert sent["pricing"] == {"billable": False, "pricing_model": "PMP", "category": "service",
                               "type": "free_customer_service"}
    # pricing and conversation again on ONE of delivered/read (the first), never on both
    assert "expiration_timestamp" not in statuses[1]["conversation"]
    assert statuses[1]["pricing"] == sent["pricing"]
    assert "pricing" not in statuses[2] and "conversation" not in statuses[2]
    inbox = await h.control(f"customers/{ALEX}/inbox")
    assert [s["status"] for s in inbox["received"][0]["statuses"]] == ["sent", "delivered", "read"]


async def test_customers_without_read_receipts_never_send_read(h: Harness):
    await h.http.post("/_sandbox/customers", json={"wa_id": "31611111111", "name": "Private",
                                                   "read_receipts": False})
    await h.customer("31611111111", type="text", text="hi")
    await h.customer(ALEX, type="text", text="hi")
    wamid = (await h.send(text(to="31611111111"))).json()["messages"][0]["id"]
    await wait_for(lambda: [s for s in h.receiver.statuses()
                            if s["id"] == wamid and s["status"] == "delivered"])
    other = (await h.send(text(to=ALEX))).json()["messages"][0]["id"]
    await wait_for(lambda: [s for s in h.receiver.statuses()
                            if s["id"] == other and s["status"] == "read"])
    assert [s["status"] for s in h.receiver.statuses() if s["id"] == wamid] == ["sent",
                                                                                "delivered"]


async def test_read_at_delivery_skips_delivered(make_harness):
    h = await make_harness(status_delays=(0.01, 0.02, 0.02))
    await h.customer(ALEX, type="text", text="hi")
    wamid = (await h.send(text())).json()["messages"][0]["id"]
    await wait_for(lambda: [s for s in h.receiver.statuses() if s["status"] == "read"])
    assert [s["status"] for s in h.receiver.statuses() if s["id"] == wamid] == ["sent", "read"]


async def test_template_pricing_depends_on_the_window(make_harness):
    h = await make_harness(clock=Clock(BEFORE_OCTOBER))

    def body(name: str, params: list[str]) -> dict:
        return {"messaging_product": "whatsapp", "to": ALEX, "type": "template", "template": {
            "name": name, "language": {"code": "en_US"}, "components": [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]}}

    outside = (await h.send(body("order_update", ["Alex", "#1"]))).json()["messages"][0]["id"]
    await h.customer(ALEX, type="text", text="hi")
    inside = (await h.send(body("order_update", ["Alex", "#2"]))).json()["messages"][0]["id"]
    marketing = (await h.send(body("winter_sale", ["Alex"]))).json()["messages"][0]["id"]

    def sent_pricing():
        found = {s["id"]: s["pricing"] for s in h.receiver.statuses() if s["status"] == "sent"}
        return found if len(found) == 3 else None

    pricing = await wait_for(sent_pricing)
    assert pricing[outside] == {"billable": True, "pricing_model": "PMP", "category": "utility",
                                "type": "regular"}
    assert pricing[inside]["type"] == "free_customer_service"
    assert pricing[inside]["billable"] is False
    assert pricing[marketing] == {"billable": True, "pricing_model": "PMP",
                                  "category": "marketing", "type": "regular"}


async def test_forced_failed_status(h: Harness):
    wamid = (await h.send(text())).json()["messages"][0]["id"]
    response = await h.http.post("/_sandbox/statuses", json={"wamid": wamid, "status": "failed",
                                                             "error_code": 131026})
    assert response.status_code == 200
    failed = await wait_for(lambda: [s for s in h.receiver.statuses() if s["status"] == "failed"])
    assert failed[0]["errors"][0]["code"] == 131026
    assert failed[0]["errors"][0]["title"] == "Message undeliverable"
    assert "pricing" not in failed[0] and "conversation" not in failed[0]


async def test_failed_status_carries_the_documented_details(h: Harness):
    """Shaped like wa_status_failed.json: the details sentence, not the title again."""
    expected = json.loads((CONFORMANCE / "wa_status_failed.json").read_text())[
        "entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]
    wamid = (await h.send(text())).json()["messages"][0]["id"]
    await h.http.post("/_sandbox/statuses", json={"wamid": wamid, "status": "failed",
                                                  "error_code": 131047})
    failed = await wait_for(lambda: [s for s in h.receiver.statuses() if s["status"] == "failed"])
    assert failed[0]["errors"][0] == expected


async def test_each_message_has_its_own_conversation_expiring_24_hours_after_sending(
        h: Harness):
    """Per-message pricing (SPEC §1.4): a conversation id per message, its expiry on ``sent``."""
    await h.customer(ALEX, type="text", text="hi")
    h.clock.advance(hours=2)
    first = (await h.send(text())).json()["messages"][0]["id"]
    await wait_for(lambda: [s for s in h.receiver.statuses() if s["status"] == "sent"])
    second = (await h.send(text(body="and one more thing"))).json()["messages"][0]["id"]
    sent = await wait_for(lambda: {s["id"]: s for s in h.receiver.statuses()
                                   if s["status"] == "sent" and s["id"] in (first, second)}
                          if len([s for s in h.receiver.statuses() if s["status"] == "sent"]) >= 2
                          else None)
    opened = sent[first]["conversation"]
    assert int(opened["expiration_timestamp"]) == int(sent[first]["timestamp"]) + 24 * 3600
    assert sent[second]["conversation"]["id"] != opened["id"]
    assert "expiration_timestamp" in sent[second]["conversation"]


async def test_redelivery_after_receiver_errors_uses_the_same_bytes(h: Harness):
    h.receiver.fail_next = 2
    await h.customer(ALEX, type="text", text="please arrive")
    await wait_for(lambda: h.receiver.bodies)
    attempts = [(status, body) for status, body, _ in h.receiver.attempts]
    assert [status for status, _ in attempts] == [500, 500, 200]
    assert len({body for _, body in attempts}) == 1
    log = (await h.control("deliveries"))["deliveries"]
    assert log[0]["state"] == "delivered"
    assert [a.get("status_code") for a in log[0]["attempts"]] == [500, 500, 200]


async def test_delivery_is_dropped_after_the_schedule(h: Harness):
    h.receiver.fail_next = 10
    await h.customer(ALEX, type="text", text="lost")
    await wait_for(lambda: h.sandbox.webhooks.log[0].state == "failed")
    log = (await h.control("deliveries"))["deliveries"][0]
    assert log["state"] == "failed"
    assert len(log["attempts"]) == 4   # first try + the three configured retries
    assert h.receiver.bodies == []


async def test_every_sandbox_webhook_parses(h: Harness):
    await h.customer(ALEX, type="image", caption="x")
    await h.send(text())
    await wait_for(lambda: len(h.receiver.bodies) >= 4)
    for body in h.receiver.bodies:
        envelope = WebhookEnvelope.model_validate_json(body)
        assert envelope.object == "whatsapp_business_account"
        assert parse(body) == envelope.wire()


def test_default_redelivery_lasts_metas_seven_days():
    """A chatdesk that is down for a night still gets its webhooks: Meta retries for 7 days."""
    delays = SandboxConfig(webhook_url="http://x", app_secret="s").webhook_retry
    assert delays[0] == 1 and list(delays) == sorted(delays)
    assert max(delays) == 15 * 60
    assert 7 * 24 * 3600 <= sum(delays) < 7 * 24 * 3600 + 15 * 60
