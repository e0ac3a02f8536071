"""Receipts as Meta sends them (the conformance fixtures): a re-engagement failure (131047) that
arrives as a `failed` status after Meta accepted the send, and per-message pricing read from
whichever receipt carries it, in any order."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from chatdesk.channels.registry import ChannelRegistry
from chatdesk.channels.whatsapp.adapter import WhatsAppAdapter
from tests.conftest import payload, settle
from tests.conversations.test_ingest import text_webhook
from tests.conversations.test_outbound import _with_status, open_conversation, reply
from tests.fakes.channel import RecordingWhatsApp

CUSTOMER = "15550002222"  # the fixtures' customer
DELIVERED = "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBQzRUIwQzc2N0QyQTFCNEY4QTlDMQA="  # wa_status_sent/delivered/read
FAILED = "wamid.HBgLMTU1NTAwMDIyMjIVAgARGBQzRUIwQTlCOEM3RDZFNUY0MDMxMgA="  # wa_status_failed.json
FAILED_AT = 1781903000  # wa_status_failed.json's timestamp
FREE = {"category": "service", "type": "free_customer_service", "billable": False, "pricing_model": "PMP"}


def receipt(name: str, **changes: object) -> bytes:
    """A status fixture, with the changes a scenario needs (another wamid, time or pricing)."""
    raw = json.loads(payload(name))
    status = raw["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del status[key]
    return json.dumps(raw).encode()


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def _conversation(bare, provider_ids: list[str], wrote: int) -> tuple[RecordingWhatsApp, dict]:
    """The fixtures' customer wrote at ``wrote``; our sends get ``provider_ids``."""
    fake = RecordingWhatsApp(bare.http, provider_ids)
    bare.rt.registry = ChannelRegistry([fake])
    await bare.webhook(text_webhook(CUSTOMER, "Alex Doe", f"wamid.IN{wrote}", wrote, "hello?"))
    await bare.drain()
    (conv,) = await bare.conversations()
    return fake, conv


async def _send(bare, conv: dict, text: str):
    resp = await bare.api.post(f"/api/v1/conversations/{conv['id']}/messages", json={"type": "text", "text": text})
    await bare.drain()
    return resp


async def _receive(bare, *bodies: bytes) -> None:
    for body in bodies:
        assert (await bare.webhook(body)).status_code == 200
    await bare.drain()


async def _out(bare, conv: dict) -> dict:
    return [m for m in await bare.messages(conv["id"]) if m["direction"] == "out"][-1]


async def test_a_re_engagement_failure_after_sent_closes_the_window_whatever_our_clock_says(bare):
    bare.clock.current = at(FAILED_AT - 120)
    fake, conv = await _conversation(bare, [FAILED, "wamid.AGAIN"], wrote=FAILED_AT - 3600)
    assert (await _send(bare, conv, "Are you still there?")).status_code == 202  # our clock: an hour ago
    await _receive(bare, receipt("wa_status_sent.json", id=FAILED, timestamp=str(FAILED_AT - 60)),
                   payload("wa_status_failed.json"))
    out = await _out(bare, conv)
    assert out["status"] == "failed"
    assert out["error"] == {"code": 131047, "title": "Re-engagement message",
                            "detail": WhatsAppAdapter.explain(131047, None)}
    assert "24 hours" in out["error"]["detail"] and "template" in out["error"]["detail"]
    assert out["cost"] == FREE  # the sent receipt's pricing stays; failed carries none
    again = (await bare.api.get(f"/api/v1/conversations/{conv['id']}")).json()
    assert datetime.fromisoformat(again["window_closes_at"]) == at(FAILED_AT)  # Meta's word, not 24 h on

    refused = await _send(bare, conv, "Hello again")   # before any call to the provider
    assert refused.status_code == 422 and refused.json()["code"] == "window_closed"
    assert [m.text for m in fake.sent] == ["Are you still there?"]

    bare.clock.current = at(FAILED_AT + 120)
    await _receive(bare, text_webhook(CUSTOMER, "Alex Doe", "wamid.IN-AFTER", FAILED_AT + 60, "still here"))
    assert (await _send(bare, conv, "Great, here is your answer")).status_code == 202  # they wrote: a new window
    assert [m.text for m in fake.sent][-1] == "Great, here is your answer"


async def test_a_failure_that_outruns_the_send_response_still_closes_the_window(bare):
    bare.clock.current = at(FAILED_AT - 120)
    fake, conv = await _conversation(bare, [FAILED], wrote=FAILED_AT - 3600)
    await _receive(bare, payload("wa_status_failed.json"))   # the receipt first...
    assert (await _send(bare, conv, "Are you still there?")).status_code == 202  # ...then the answer
    assert (await _out(bare, conv))["error"]["code"] == 131047
    assert (await _send(bare, conv, "Hello again")).json()["code"] == "window_closed"
    assert len(fake.sent) == 1


async def test_an_older_failure_does_not_close_a_window_the_customer_opened_since(bare):
    bare.clock.current = at(FAILED_AT + 600)
    fake, conv = await _conversation(bare, [FAILED, "wamid.NEXT"], wrote=FAILED_AT - 3600)
    await _send(bare, conv, "Are you still there?")
    await _receive(bare, text_webhook(CUSTOMER, "Alex Doe", "wamid.IN-NEW", FAILED_AT + 300, "yes!"))
    await _receive(bare, payload("wa_status_failed.json"))   # delivered late, about a send before that
    assert (await _out(bare, conv))["status"] == "failed"
    assert (await _send(bare, conv, "Welcome back")).status_code == 202
    assert [m.text for m in fake.sent] == ["Are you still there?", "Welcome back"]


async def test_pricing_on_delivered_only(bare):
    _, conv = await _conversation(bare, [DELIVERED], wrote=int(bare.clock.now().timestamp()))
    await _send(bare, conv, "hi")
    await _receive(bare, receipt("wa_status_sent.json", pricing=None), payload("wa_status_delivered.json"))
    out = await _out(bare, conv)
    assert (out["status"], out["cost"], out["cost_category"]) == ("delivered", FREE, "service")


async def test_pricing_on_sent_survives_a_read_without_pricing(bare):
    _, conv = await _conversation(bare, [DELIVERED], wrote=int(bare.clock.now().timestamp()))
    await _send(bare, conv, "hi")
    await _receive(bare, payload("wa_status_sent.json"), payload("wa_status_read.json"))
    out = await _out(bare, conv)
    assert (out["status"], out["cost"]) == ("read", FREE)


async def test_out_of_order_receipts_never_move_back_and_the_highest_pricing_wins(bare):
    _, conv = await _conversation(bare, [DELIVERED], wrote=int(bare.clock.now().timestamp()))
    await _send(bare, conv, "hi")
    before = await _out(bare, conv)
    assert before["cost"] is None and before["cost_category"] is None
    await _receive(bare, payload("wa_status_read.json"))
    assert (await _out(bare, conv))["cost"] is None           # read carried none: nothing known yet
    await _receive(bare, payload("wa_status_delivered.json"))   # late, below read: still contributes
    assert (await _out(bare, conv))["cost"] == FREE
    await _receive(bare, receipt("wa_status_sent.json", pricing={"category": "utility", "type": "regular",
                                                                 "billable": True, "pricing_model": "PMP"}))
    out = await _out(bare, conv)
    assert (out["status"], out["cost"]) == ("read", FREE)      # a later, lower receipt fills gaps only


async def test_v23_receipts_with_a_conversation_object_are_priced_the_same(bare):
    _, conv = await _conversation(bare, [DELIVERED], wrote=int(bare.clock.now().timestamp()))
    await _send(bare, conv, "hi")
    await _receive(bare, payload("wa_status_sent_v23.json"))
    out = await _out(bare, conv)
    assert (out["status"], out["cost"]) == ("sent", FREE)


async def test_a_synchronous_re_engagement_refusal_closes_the_window_too(stack):
    """Older API versions (and the sandbox's fault injection) refuse the send itself with 131047."""
    conv = await open_conversation(stack)
    await stack.sandbox.post("/_sandbox/faults", json={"count": 1, "error_code": 131047})
    await reply(stack, conv["id"], type="text", text="Will not arrive")
    msg = await settle(lambda: _with_status(stack, conv["id"], "failed"))
    assert msg["error"]["code"] == 131047
    refused = await reply(stack, conv["id"], type="text", text="Nor will this")
    assert refused.status_code == 422 and refused.json()["code"] == "window_closed"
