"""Standing fault modes (``/_sandbox/fault-modes``, ``SandboxConfig.faults``): each does what it
says while on, and nothing once off."""
from __future__ import annotations

import time

from chatdesk.sandbox.faults import FaultModes
from tests.sandbox.sandbox_helpers import ALEX, Harness, assert_error, text, wait_for


async def modes(h: Harness, **body) -> dict:
    resp = await h.http.post("/_sandbox/fault-modes", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_off_by_default_and_switched_back_off(h: Harness):
    assert (await h.control("fault-modes"))["error_rate"] == 0
    await modes(h, error_rate=1.0)
    assert_error(await h.send(text()), 131000, 500)
    await modes(h, off=True)
    assert (await h.send(text())).status_code == 200
    assert len((await h.control("sent"))["sent"]) == 1


async def test_error_rate_with_a_chosen_code_answers_that_codes_status(h: Harness):
    on = await modes(h, error_rate=1.0, error_code=130429)
    assert_error(await h.send(text()), 130429, on["http_status"])
    await modes(h, http_status=503, error_code=131000)
    assert_error(await h.send(text()), 131000, 503)
    assert (await h.control("sent"))["sent"] == []


async def test_an_error_rate_fails_about_that_fraction(make_harness):
    h = await make_harness(seed=3)
    await modes(h, error_rate=0.3)
    codes = [(await h.send(text(body=f"n{i}"))).status_code for i in range(60)]
    assert 8 <= codes.count(500) <= 30
    assert len((await h.control("sent"))["sent"]) == codes.count(200)


async def test_latency_delays_every_send(h: Harness):
    await modes(h, latency=0.2)
    started = time.monotonic()
    assert (await h.send(text())).status_code == 200
    assert time.monotonic() - started >= 0.2


async def test_media_latency_delays_attachment_downloads(h: Harness):
    """A slow CDN: the attachment behind a webhook's URL comes, late (sends are not slowed)."""
    assert (await modes(h, media_latency=0.2))["media_latency"] == 0.2
    started = time.monotonic()
    answer = await h.http.get("/ig_messaging_cdn/", params={"asset_id": "story1", "ext": "png"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert time.monotonic() - started >= 0.2


async def test_a_timeout_sends_the_message_and_answers_too_late(h: Harness):
    await modes(h, timeout_rate=1.0, hang_seconds=0.3)
    started = time.monotonic()
    assert (await h.send(text(body="late"))).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert [r["request"]["text"]["body"] for r in (await h.control("sent"))["sent"]] == ["late"]


async def test_unreachable_webhook_is_retried_and_delivered_once_it_is_back(make_harness):
    h = await make_harness(webhook_retry=(0.05,) * 40)
    await modes(h, webhook_unreachable=True)
    await h.customer(ALEX, type="text", text="anyone there?")
    log = await wait_for(lambda: [d for d in h.sandbox.webhooks.log if len(d.attempts) >= 2])
    assert "unreachable" in log[0].attempts[0]["error"] and log[0].state == "retrying"
    assert h.receiver.bodies == []
    await modes(h, webhook_unreachable=False)
    await wait_for(lambda: h.receiver.bodies)
    assert len(h.receiver.bodies) == 1 and log[0].state == "delivered"


async def test_modes_from_the_configuration_hold_from_the_start_and_after_a_reset(make_harness):
    h = await make_harness(faults=FaultModes(error_rate=1.0))
    assert_error(await h.send(text()), 131000, 500)
    assert (await h.http.post("/_sandbox/reset")).status_code == 200
    assert (await h.control("fault-modes"))["error_rate"] == 1.0


async def test_out_of_range_modes_are_refused(h: Harness):
    for body in ({"error_rate": 1.5}, {"latency": -1}, {"media_latency": -1}, {"timeout_rate": 2}):
        assert (await h.http.post("/_sandbox/fault-modes", json=body)).status_code == 422
