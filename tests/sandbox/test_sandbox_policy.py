"""Policy checks after the schema: templates (132001 / 132000 / 132012), throughput (130429) and
pair rate (131056), each in Meta's order; the 24 h window (131047), reported asynchronously."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from chatdesk.channels.whatsapp.payloads import SendRequest
from chatdesk.sandbox.config import SandboxNumber
from chatdesk.sandbox.errors import RE_ENGAGEMENT_DETAILS
from tests.conftest import PAYLOADS
from tests.sandbox.sandbox_helpers import (
    ALEX,
    DISPLAY,
    PNID,
    TOKEN,
    Harness,
    assert_error,
    text,
    wait_for,
)

CONFORMANCE = PAYLOADS / "whatsapp"  # copies of the conformance set (SOURCE.md there)


def template(name: str = "order_update", lang: str = "en_US",
             params: tuple[str, ...] = ("Alex", "#4471")) -> dict[str, Any]:
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]
    return {"messaging_product": "whatsapp", "to": ALEX, "type": "template",
            "template": {"name": name, "language": {"code": lang}, "components": components}}


async def failure_of(h: Harness, response: Any) -> dict[str, Any] | None:
    """Meta accepts every well-formed send (200 + wamid) and reports 131047 afterwards in a
    ``failed`` status; returns that status, or None once the message was sent instead."""
    assert response.status_code == 200, response.text
    wamid = response.json()["messages"][0]["id"]
    first = await wait_for(lambda: [s for s in h.receiver.statuses() if s["id"] == wamid])
    return first[0] if first[0]["status"] == "failed" else None


async def test_window_closes_24_hours_after_the_last_inbound(h: Harness):
    await h.customer(ALEX, type="text", text="Hi there")
    h.clock.advance(hours=23, minutes=59)
    assert await failure_of(h, await h.send(text())) is None
    h.clock.advance(minutes=2)
    failed = await failure_of(h, await h.send(text()))
    assert failed is not None
    assert failed["errors"][0]["code"] == 131047
    assert failed["errors"][0]["error_data"]["details"] == RE_ENGAGEMENT_DETAILS
    # Templates are still allowed outside the window...
    assert await failure_of(h, await h.send(template())) is None
    # ...and a new inbound message reopens it.
    await h.customer(ALEX, type="reaction", emoji="👍")
    assert await failure_of(h, await h.send(text())) is None


async def test_re_engagement_failure_is_asynchronous_and_shaped_like_metas(h: Harness):
    """A number that never wrote in: 200 with a wamid, then ONLY a ``failed`` status exactly like
    wa_status_failed.json (no contacts, pricing or conversation), and no rejection logged."""
    response = await h.send(text(to="4915100000001"))
    failed = await failure_of(h, response)
    assert failed is not None
    fixture = json.loads((CONFORMANCE / "wa_status_failed.json").read_text())
    value = fixture["entry"][0]["changes"][0]["value"]
    expected = {**value["statuses"][0], "id": failed["id"], "timestamp": failed["timestamp"],
                "recipient_id": "4915100000001"}
    assert failed == expected
    body = next(json.loads(b) for b in h.receiver.bodies if failed["id"].encode() in b)
    assert set(body["entry"][0]["changes"][0]["value"]) == set(value)   # no "contacts"
    await asyncio.sleep(0.1)
    assert [s["status"] for s in h.receiver.statuses()] == ["failed"]
    assert (await h.control("rejected"))["rejected"] == []
    assert response.json()["contacts"] == [{"input": "4915100000001", "wa_id": "4915100000001"}]


async def test_explicit_old_timestamp_makes_a_closed_window(h: Harness):
    old = int(h.clock().timestamp()) - 25 * 3600
    await h.customer("31699999999", type="text", text="old message", timestamp=old)
    failed = await failure_of(h, await h.send(text(to="31699999999")))
    assert failed is not None and failed["errors"][0]["code"] == 131047


async def test_an_older_message_does_not_shorten_the_window(h: Harness):
    await h.customer(ALEX, type="text", text="Hi there")
    old = int(h.clock().timestamp()) - 20 * 3600
    await h.customer(ALEX, type="text", text="delayed on the phone", timestamp=old)
    h.clock.advance(hours=23)
    assert await failure_of(h, await h.send(text())) is None


async def test_leniency_unknown_recipients_inside_the_window(make_harness):
    h = await make_harness(unknown_recipients_in_window=True)
    assert await failure_of(h, await h.send(text(to="4915100000001"))) is None
    old = int(h.clock().timestamp()) - 30 * 3600
    await h.customer(ALEX, type="text", text="old", timestamp=old)
    assert await failure_of(h, await h.send(text())) is not None   # known: the real window


async def test_schema_errors_come_before_the_window(h: Harness):
    old = int(h.clock().timestamp()) - 30 * 3600
    await h.customer(ALEX, type="text", text="old", timestamp=old)
    assert_error(await h.send(text(body="x" * 5000)), 131009)
    assert_error(await h.send(text(to=DISPLAY)), 131021)
    assert await failure_of(h, await h.send(text())) is not None


async def test_template_existence_and_parameters(h: Harness):
    assert (await h.send(template())).status_code == 200
    assert (await h.send(template(lang="nl"))).status_code == 200
    assert_error(await h.send(template(lang="fr")), 132001,
                 details="template name (order_update) does not exist in fr")
    assert_error(await h.send(template(name="nope")), 132001)
    assert_error(await h.send(template(params=("Alex",))), 132000)
    hello = template(name="hello_world", params=())
    hello["template"]["components"] = []
    response = await h.send(hello)
    assert response.status_code == 200
    assert response.json()["messages"][0]["message_status"] == "accepted"
    bad_kind = template()
    bad_kind["template"]["components"][0]["parameters"][0] = {"type": "image", "image": {}}
    assert_error(await h.send(bad_kind), 132012)
    assert_error(await h.send({**template(), "template": {"language": {"code": "en_US"}}}),
                 131008)


async def test_templates_added_through_the_control_api(h: Harness):
    conformance = json.loads((CONFORMANCE / "wa_send_template_request.json").read_text())
    SendRequest.model_validate(conformance)
    assert (await h.send(conformance)).status_code == 200   # in the default catalogue
    body = json.loads(json.dumps(conformance))
    body["template"]["name"] = "payment_receipt"
    assert_error(await h.send(body), 132001)
    added = await h.http.post("/_sandbox/templates", json={
        "name": "payment_receipt", "language": "en_US", "category": "utility",
        "body_params": 3, "header_format": "DOCUMENT", "buttons": ["Track order"]})
    assert added.status_code == 201
    assert (await h.send(body)).status_code == 200
    no_header = json.loads(json.dumps(body))
    no_header["template"]["components"].pop(0)
    assert_error(await h.send(no_header), 132000)


async def test_throughput_limit(make_harness):
    # Capacity = rate = 1 token: a second send needs a whole second of refill, so a burst of two
    # is always above the rate, however slow the machine.
    h = await make_harness(numbers=[SandboxNumber(PNID, DISPLAY, "1", TOKEN, rate_limit_mps=1)])
    assert (await h.send(text(to="31600000001"))).status_code == 200
    error = assert_error(await h.send(text(to="31600000002")), 130429,
                         details="Cloud API message throughput has been reached.")
    assert error.message == "(#130429) Rate limit hit"
    sent = (await h.control("sent"))["sent"]
    assert [(s["phone_number_id"], s["wa_id"]) for s in sent] == [(PNID, "31600000001")]
    assert {"accepted_at", "accepted_monotonic"} <= set(sent[0])


async def test_sending_at_the_rate_is_fine(make_harness):
    h = await make_harness(numbers=[SandboxNumber(PNID, DISPLAY, "1", TOKEN, rate_limit_mps=5)])
    for i in range(5):
        assert (await h.send(text(to=f"3160000001{i}"))).status_code == 200


async def test_pair_rate_limit(h: Harness):
    codes = [(await h.send(text())).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30
    assert codes[30] == 400
    rejected = (await h.control("rejected"))["rejected"]
    assert rejected[-1]["code"] == 131056
    # Other customers are unaffected.
    assert (await h.send(text(to="31600000099"))).status_code == 200


async def test_throughput_checked_before_pair_rate(make_harness):
    h = await make_harness(numbers=[SandboxNumber(PNID, DISPLAY, "1", TOKEN, rate_limit_mps=1)])
    assert (await h.send(text())).status_code == 200
    assert_error(await h.send(text()), 130429)


async def test_rejected_sends_do_not_consume_rate(make_harness):
    h = await make_harness(numbers=[SandboxNumber(PNID, DISPLAY, "1", TOKEN, rate_limit_mps=1)])
    assert_error(await h.send(text(body="x" * 5000)), 131009)
    assert (await h.send(text())).status_code == 200
