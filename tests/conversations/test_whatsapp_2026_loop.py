"""WhatsApp as Meta runs it since 2026, end to end through the sandbox over HTTP (issue 13).

A customer who writes by username only (no phone number reaches the business, only their
business-scoped user id) is answered with ``recipient`` and gets ticks; a free-form reply that
Meta accepts and then fails with 131047 (the sandbox never saw the customer write) is shown
failed with Meta's reason and closes the conversation's window.
"""
from __future__ import annotations

import json

from tests.conftest import payload, settle


async def _conversation_of(stack, name: str) -> dict:
    async def found():
        return next((c for c in await stack.conversations() if c["contact"]["name"] == name), None)
    return await settle(found)


async def test_a_username_only_customer_writes_is_answered_and_gets_ticks(stack):
    made = await stack.sandbox.post("/_sandbox/customers", json={"username": "sam.kester", "name": "Sam Kester",
                                                                 "country": "NL"})
    assert made.status_code == 201, made.text
    user_id = made.json()["user_id"]  # the only id of a customer without a phone number
    assert made.json()["key"] == user_id and made.json()["wa_id"] is None
    assert user_id.startswith("NL.")

    await stack.customer_says(user_id, type="text", text="Do you ship to Utrecht?")
    conv = await _conversation_of(stack, "Sam Kester")
    contact = (await stack.api.get(f"/api/v1/contacts/{conv['contact']['id']}")).json()
    assert contact["phone"] is None
    assert [(i["id_type"], i["external_id"], i["username"]) for i in contact["identities"]] == [
        ("user_id", user_id, "@sam.kester")]

    sent = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                json={"type": "text", "text": "Yes, in 2-3 days."})
    assert sent.status_code in (200, 201, 202), sent.text
    reply_id = sent.json()["id"]

    async def read():
        mine = [m for m in await stack.messages(conv["id"]) if m["id"] == reply_id]
        return mine and mine[0]["status"] == "read"
    await settle(read)  # the customer's phone delivered and read it: the ticks came back

    request = (await stack.sent_requests())[-1]
    body = request["request"]
    assert body.get("recipient") == user_id and "to" not in body and request["addressed_by"] == "recipient"
    received = await stack.inbox_of(user_id)
    assert any("Yes, in 2-3 days." in json.dumps(r) for r in received)


async def test_a_reply_to_someone_the_platform_never_saw_write_is_accepted_then_failed_131047(stack):
    # The customer's message reaches chatdesk (another app forwarded it, say), but Meta never saw
    # them write to this number: chatdesk believes the window is open, Meta does not.
    raw = json.loads(payload("wa_inbound_text.json"))
    value = raw["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Nora Never"}, "wa_id": "31611112222"}]
    value["messages"][0].update({"from": "31611112222", "id": "wamid.never-seen-1",
                                 "timestamp": str(int(stack.clock.now().timestamp()))})
    value["messages"][0].pop("from_user_id", None)
    assert (await stack.webhook(json.dumps(raw).encode())).status_code == 200
    conv = await _conversation_of(stack, "Nora Never")

    sent = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                json={"type": "text", "text": "Thanks for writing!"})
    assert sent.status_code in (200, 201, 202), sent.text  # inside the window as far as we know
    reply_id = sent.json()["id"]

    async def failed():
        mine = [m for m in await stack.messages(conv["id"]) if m["id"] == reply_id]
        return mine[0] if mine and mine[0]["status"] == "failed" else None
    message = await settle(failed)
    assert message["error"]["code"] == 131047
    assert "24 hours" in message["error"]["detail"]  # what the agent reads, not just a code

    # Meta said the window is closed: the next free-form reply is refused before any call.
    calls = len(await stack.sent_requests())
    again = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                 json={"type": "text", "text": "Hello?"})
    assert again.status_code == 422 and again.json()["code"] == "window_closed"
    assert len(await stack.sent_requests()) == calls
