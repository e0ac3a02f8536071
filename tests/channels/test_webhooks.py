"""The webhook endpoint: Meta's handshake, signatures, durable storage before 200, replays."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from chatdesk.channels.models import InboundEvent
from chatdesk.conversations.models import Message
from tests.conftest import VERIFY_TOKEN, payload


async def count(stack, model) -> int:
    async with stack.rt.db.reader() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_verification_handshake_echoes_the_challenge(bare):
    ok = await bare.api.get("/webhooks/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    bad = await bare.api.get("/webhooks/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"})
    assert bad.status_code == 403


async def test_bad_or_missing_signature_is_401_and_nothing_is_stored(bare):
    raw = payload("wa_inbound_text.json")
    wrong = await bare.webhook(raw, secret="not-the-app-secret")
    missing = await bare.api.post("/webhooks/whatsapp", content=raw, headers={"Content-Type": "application/json"})
    assert wrong.status_code == missing.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["code"] == "invalid_signature"
    assert await count(bare, InboundEvent) == 0


async def test_signature_is_checked_on_the_exact_bytes(bare):
    raw = payload("wa_inbound_text.json")
    reformatted = json.dumps(json.loads(raw)).encode()  # same JSON, other bytes
    resp = await bare.webhook(reformatted, signature=bare_sign(raw))
    assert resp.status_code == 401


def bare_sign(raw: bytes) -> str:
    from chatdesk.channels.meta.signature import sign
    from tests.conftest import APP_SECRET
    return sign(raw, APP_SECRET)


async def test_unknown_number_is_acknowledged_not_stored(bare):
    raw = payload("wa_inbound_text.json").replace(b"109876543210987", b"999999999999999")
    resp = await bare.webhook(raw)
    assert resp.status_code == 200
    assert await count(bare, InboundEvent) == 0


async def test_invalid_body_is_a_problem_not_a_crash(bare):
    resp = await bare.webhook(b"{not json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid_payload"


async def test_unsigned_junk_is_401_not_400(bare):
    """Without our app's signature a body is refused as unauthenticated, whatever it holds."""
    wrong = await bare.webhook(b"{not json", secret="not-the-app-secret")
    missing = await bare.api.post("/webhooks/whatsapp", content=b"{not json",
                                  headers={"Content-Type": "application/json"})
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json()["code"] == "invalid_signature"


async def test_one_app_secret_cannot_write_into_another_workspace(bare):
    """A body naming a second workspace's number beside our own, signed with our secret only, is
    refused whole: every channel a delivery speaks for must have signed it."""
    from chatdesk.accounts import service as accounts
    from chatdesk.channels import service as channels
    other_number = "109876543219999"
    async with bare.rt.db.session() as session:
        ws = await accounts.create_workspace(session, "Other Shop", now=bare.clock.now())
        await channels.add_channel(
            session, bare.rt.cipher, workspace_id=ws.id, kind="whatsapp", external_id=other_number,
            display="+31 20 555 0199", config={"waba_id": "209876543219999"},
            secrets={"access_token": "t", "app_secret": "other-secret", "verify_token": "v"},
            now=bare.clock.now())
    body = json.loads(payload("wa_inbound_text.json"))
    theirs = json.loads(json.dumps(body["entry"][0]))
    theirs["changes"][0]["value"]["metadata"]["phone_number_id"] = other_number
    theirs["changes"][0]["value"]["messages"][0]["id"] = "wamid.INJECTED"
    body["entry"].append(theirs)
    raw = json.dumps(body).encode()
    assert (await bare.webhook(raw)).status_code == 401            # our secret only
    assert (await bare.webhook(raw, secret="other-secret")).status_code == 401
    assert await count(bare, InboundEvent) == 0


async def test_oversized_body_is_refused_and_nothing_is_stored(bare):
    from chatdesk.channels.webhooks import MAX_BODY
    resp = await bare.webhook(b" " * (MAX_BODY + 1))
    assert resp.status_code == 413
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "payload_too_large"
    assert await count(bare, InboundEvent) == 0


async def test_unknown_channel_kind_is_a_404_problem(bare):
    resp = await bare.api.post("/webhooks/carrier-pigeon", content=payload("wa_inbound_text.json"))
    assert resp.status_code == 404
    assert resp.json()["code"] == "unknown_channel_kind"


async def test_signed_body_with_a_malformed_message_is_kept_with_its_error_not_refused(bare):
    """Meta retries a refused delivery for days and then turns the webhook off: a signed body
    we cannot fully read is acknowledged and kept with the reason, for a fix to replay it."""
    raw = json.loads(payload("wa_inbound_text.json"))
    del raw["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    body = json.dumps(raw).encode()
    assert (await bare.webhook(body)).status_code == 200
    await bare.drain()
    async with bare.rt.db.reader() as s:
        (event,) = (await s.execute(select(InboundEvent))).scalars().all()
    assert event.body == body.decode() and event.error == "1 item(s) could not be read: message: id: Field required"
    assert await count(bare, Message) == 0


async def test_one_unreadable_message_does_not_cost_the_others(bare):
    """Batched with good messages, a malformed one is kept as ``unsupported`` with what arrived
    (it has an id and a sender); the good ones are stored as usual."""
    body = json.loads(payload("wa_inbound_text.json"))
    value = body["entry"][0]["changes"][0]["value"]
    good = value["messages"][0]
    broken = {**good, "id": "wamid.BROKEN", "type": "location", "location": {"name": "no coordinates"}}
    del broken["text"]
    bare_string = {**good, "id": "wamid.BARE", "text": "not an object"}
    numeric_time = {**good, "id": "wamid.NUMERIC", "timestamp": int(good["timestamp"]) + 5}
    value["messages"] = [good, broken, bare_string, numeric_time]
    value["contacts"].append({"user_id": "US.13491208655302741918", "profile": {"name": "No wa_id"}})
    assert (await bare.webhook(json.dumps(body).encode())).status_code == 200
    await bare.drain()
    (conv,) = await bare.conversations()
    stored = {m["provider_message_id"]: m for m in await bare.messages(conv["id"])}
    assert set(stored) == {good["id"], "wamid.BROKEN", "wamid.BARE", "wamid.NUMERIC"}
    assert stored[good["id"]]["type"] == stored["wamid.NUMERIC"]["type"] == "text"
    assert stored["wamid.BROKEN"]["type"] == "unsupported"
    assert stored["wamid.BROKEN"]["content"]["raw"]["location"] == {"name": "no coordinates"}
    assert stored["wamid.BROKEN"]["content"]["original_type"] == "location"
    assert stored["wamid.BARE"]["content"]["raw"]["text"] == "not an object"


async def test_stored_before_200_then_processed_by_a_job(bare):
    resp = await bare.webhook(payload("wa_inbound_text.json"))
    assert resp.status_code == 200
    assert await count(bare, InboundEvent) == 1
    assert await count(bare, Message) == 0  # not processed in the request
    await bare.drain()
    assert await count(bare, Message) == 1


async def test_replayed_delivery_changes_nothing(bare):
    raw = payload("wa_batched_multi.json")
    for _ in range(3):
        assert (await bare.webhook(raw)).status_code == 200
    await bare.drain()
    assert await count(bare, InboundEvent) == 1
    assert await count(bare, Message) == 3


async def test_same_message_in_another_delivery_is_stored_once(bare):
    raw = payload("wa_inbound_text.json")
    body = json.loads(raw)
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] = "Alex D."
    await bare.webhook(raw)
    await bare.webhook(json.dumps(body).encode())  # different bytes, same wamid
    await bare.drain()
    assert await count(bare, InboundEvent) == 2
    assert await count(bare, Message) == 1


async def test_unknown_channel_kind_is_404(bare):
    resp = await bare.api.post("/webhooks/carrier-pigeon", content=b"{}")
    assert resp.status_code == 404


async def test_a_channel_connected_after_a_miss_is_found_at_once(bare):
    from chatdesk.channels import service as channels
    raw = payload("wa_inbound_text.json").replace(b"109876543210987", b"555000111222333")
    assert (await bare.webhook(raw)).status_code == 200  # unknown number: dropped
    async with bare.rt.db.session() as s:
        await channels.add_channel(s, bare.rt.cipher, workspace_id=bare.workspace_id, kind="whatsapp",
                                   external_id="555000111222333", display="+1", config={},
                                   secrets={"app_secret": "test-app-secret"}, now=bare.clock.now())
    assert (await bare.webhook(raw)).status_code == 200
    assert await count(bare, InboundEvent) == 1
