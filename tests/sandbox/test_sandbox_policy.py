"""Policy checks after the schema: the 24 h window (131047), templates (132001 / 132000 / 132012),
throughput (130429) and pair rate (131056), each in Meta's order."""
from __future__ import annotations

import json
from typing import Any

from chatdesk.channels.whatsapp.payloads import SendRequest
from chatdesk.sandbox.config import SandboxNumber
from chatdesk.sandbox.errors import RE_ENGAGEMENT_DETAILS
from tests.conftest import PAYLOADS
from tests.sandbox.sandbox_helpers import ALEX, DISPLAY, PNID, TOKEN, Harness, assert_error, text

CONFORMANCE = PAYLOADS / "whatsapp"  # copies of the conformance set (SOURCE.md there)


def template(name: str = "order_update", lang: str = "en_US",
             params: tuple[str, ...] = ("Alex", "#4471")) -> dict[str, Any]:
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]
    return {"messaging_product": "whatsapp", "to": ALEX, "type": "template",
            "template": {"name": name, "language": {"code": lang}, "components": components}}


async def test_window_closes_24_hours_after_the_last_inbound(h: Harness):
    await h.customer(ALEX, type="text", text="Hi there")
    h.clock.advance(hours=23, minutes=59)
    assert (await h.send(text())).status_code == 200
    h.clock.advance(minutes=2)
    error = assert_error(await h.send(text()), 131047, details=RE_ENGAGEMENT_DETAILS)
    assert error.message == "(#131047) Re-engagement message"
    # Templates are still allowed outside the window...
    assert (await h.send(template())).status_code == 200
    # ...and a new inbound message reopens it.
    await h.customer(ALEX, type="reaction", emoji="👍")
    assert (await h.send(text())).status_code == 200


async def test_explicit_old_timestamp_makes_a_closed_window(h: Harness):
    old = int(h.clock().timestamp()) - 25 * 3600
    await h.customer("31699999999", type="text", text="old message", timestamp=old)
    assert_error(await h.send(text(to="31699999999")), 131047)


async def test_an_older_message_does_not_shorten_the_window(h: Harness):
    await h.customer(ALEX, type="text", text="Hi there")
    old = int(h.clock().timestamp()) - 20 * 3600
    await h.customer(ALEX, type="text", text="delayed on the phone", timestamp=old)
    h.clock.advance(hours=23)
    assert (await h.send(text())).status_code == 200


async def test_unknown_recipients_are_treated_as_inside_the_window(h: Harness):
    assert (await h.send(text(to="4915100000001"))).status_code == 200


async def test_schema_errors_come_before_the_window(h: Harness):
    old = int(h.clock().timestamp()) - 30 * 3600
    await h.customer(ALEX, type="text", text="old", timestamp=old)
    assert_error(await h.send(text(body="x" * 5000)), 131009)
    assert_error(await h.send(text(to=DISPLAY)), 131021)
    assert_error(await h.send(text()), 131047)


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
