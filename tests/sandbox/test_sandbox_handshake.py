"""Before delivering, the sandbox runs Meta's verify handshake against the webhook target and
refuses a target that failed it; webhook bodies are ASCII-escaped compact JSON, signed as sent."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from tests.conftest import Stack
from tests.sandbox.sandbox_helpers import ALEX, SECRET, VERIFY, Harness, wait_for


async def settled(h: Harness) -> dict[str, Any]:
    await wait_for(lambda: h.sandbox.target.state != "pending")
    return await h.control("webhook")


async def test_handshake_runs_on_start_and_deliveries_follow(h: Harness):
    state = await settled(h)
    assert state["state"] == "verified" and state["url"] == "http://chatdesk.test/webhooks/whatsapp"
    [query] = h.receiver.handshakes
    assert query["hub.mode"] == "subscribe" and query["hub.verify_token"] == VERIFY
    assert query["hub.challenge"].isdigit()
    await h.customer(ALEX, type="text", text="hello")
    await wait_for(lambda: h.receiver.bodies)


async def test_a_target_that_fails_the_handshake_gets_nothing(make_harness):
    h = await make_harness(verify_token="not-what-chatdesk-expects")
    assert (await settled(h))["state"] == "failed"
    await h.customer(ALEX, type="text", text="hello")
    deliveries = await wait_for(lambda: [d for d in h.sandbox.webhooks.log if d.state == "refused"])
    assert len(deliveries) == 1 and h.receiver.attempts == []
    # Reconfiguring the target runs the handshake again; later webhooks go out.
    response = await h.http.post("/_sandbox/webhook", json={"verify_token": VERIFY})
    assert response.json()["state"] == "verified" and len(h.receiver.handshakes) == 2
    await h.customer(ALEX, type="text", text="again")
    await wait_for(lambda: h.receiver.bodies)


async def test_deliver_unverified_is_an_explicit_leniency(make_harness):
    h = await make_harness(verify_token="wrong", deliver_unverified=True)
    assert (await settled(h))["state"] == "failed"
    await h.customer(ALEX, type="text", text="hello")
    await wait_for(lambda: h.receiver.bodies)


async def test_no_verify_token_skips_the_handshake(make_harness):
    h = await make_harness(verify_token=None)
    assert (await settled(h))["state"] == "skipped" and h.receiver.handshakes == []
    await h.customer(ALEX, type="text", text="hello")
    await wait_for(lambda: h.receiver.bodies)


async def test_a_receiver_still_starting_is_retried(make_harness):
    h = await make_harness()
    answers = iter([503, 503])
    original = h.receiver._handshake

    async def flaky(scope: dict[str, Any], send: Any) -> None:
        status = next(answers, None)
        if status is None:
            await original(scope, send)
            return
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"starting"})

    h.receiver._handshake = flaky  # type: ignore[method-assign]
    response = await h.http.post("/_sandbox/webhook", json={})
    assert response.json()["state"] == "verified"


async def test_webhook_bodies_are_ascii_escaped_and_signed_as_sent(h: Harness):
    await h.customer(ALEX, type="text", text="Grüße 👋")
    body = await wait_for(lambda: h.receiver.bodies and h.receiver.bodies[-1])
    _, _, headers = h.receiver.attempts[-1]
    assert body.isascii() and b"Gr\\u00fc\\u00dfe \\ud83d\\udc4b" in body
    assert b", " not in body and b'": ' not in body   # compact, as Meta sends
    assert json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] \
        == "Grüße 👋"
    key = SECRET.encode()
    assert headers["x-hub-signature-256"] == "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    assert headers["x-hub-signature"] == "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest()


async def test_chatdesk_answers_the_handshake_for_real(stack: Stack):
    state = await wait_for(lambda: stack.sandbox_app.state.sandbox.target.state != "pending"
                           and stack.sandbox_app.state.sandbox.target.to_json())
    assert state["state"] == "verified", state
