"""Templates through the REST API and the real sandbox: sync, list, send (with the checks
before queueing), a new conversation with a contact, create + submit."""
from __future__ import annotations

from tests.conftest import settle
from tests.conversations.test_outbound import last_out, open_conversation


async def sync(stack) -> dict:
    resp = await stack.api.post("/api/v1/templates/sync")
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_sync_lists_the_accounts_templates_and_filters(stack):
    counts = (await sync(stack))["channels"][0]
    assert counts["added"] >= 5 and counts["removed"] == 0
    assert (await sync(stack))["channels"][0]["added"] == 0  # a second sync changes nothing
    found = (await stack.api.get("/api/v1/templates", params={"q": "order_up", "language": "nl"})).json()["items"]
    assert [(t["name"], t["language"], t["status"]) for t in found] == [("order_update", "nl", "APPROVED")]
    assert any(c["type"] == "BODY" for c in found[0]["components"])


async def send_template(stack, conv_id, **template):
    return await stack.api.post(f"/api/v1/conversations/{conv_id}/messages",
                                json={"type": "template", "template": template})


async def test_template_with_variables_reaches_the_customer_after_the_window_closed(stack, clock):
    await sync(stack)
    conv = await open_conversation(stack)
    clock.advance(hours=25)
    resp = await send_template(stack, conv["id"], name="order_update", language="en_US",
                               parameters={"body": ["Mark", "A-123"]})
    assert resp.status_code == 202, resp.text
    sent = resp.json()
    assert sent["text"] == "Hi Mark, your order A-123 has been shipped and is on its way."
    assert sent["content"]["category"] == "UTILITY"
    msg = await settle(lambda: _sent(stack, conv["id"]))
    assert msg["provider_message_id"].startswith("wamid.")
    request = (await stack.sent_requests())[-1]["request"]["template"]
    assert request["components"] == [{"type": "body", "parameters": [{"type": "text", "text": "Mark"},
                                                                     {"type": "text", "text": "A-123"}]}]


async def _sent(stack, conv_id):
    msg = await last_out(stack, conv_id)
    return msg if msg["status"] in ("pending", "sent", "delivered", "read") else None


async def test_refusals_name_the_problem_and_queue_nothing(stack):
    await sync(stack)
    conv = await open_conversation(stack)
    cases = [
        ({"name": "nope", "language": "en_US"}, "template_not_found", None),
        ({"name": "order_update", "language": "fr"}, "template_language_missing", None),
        ({"name": "order_update", "language": "en_US", "parameters": {"body": ["Mark"]}},
         "template_parameters", "body.2"),
        ({"name": "order_update", "language": "en_US", "parameters": {"body": ["a", "b", "c"]}},
         "template_parameters", "body.3"),
    ]
    for template, code, parameter in cases:
        resp = await send_template(stack, conv["id"], **template)
        assert resp.status_code == 422, resp.text
        assert resp.json()["code"] == code
        if parameter:
            assert parameter in resp.json()["detail"]
    assert [m for m in await stack.messages(conv["id"]) if m["direction"] == "out"] == []


async def test_contact_messages_reuse_the_last_channel_and_allow_only_templates_when_closed(stack, clock):
    await sync(stack)
    conv = await open_conversation(stack)
    clock.advance(hours=30)
    contact_id = conv["contact"]["id"]
    text = await stack.api.post(f"/api/v1/contacts/{contact_id}/messages", json={"type": "text", "text": "hi"})
    assert text.status_code == 422 and text.json()["code"] == "window_closed"
    resp = await stack.api.post(f"/api/v1/contacts/{contact_id}/messages", json={
        "type": "template", "template": {"name": "hello_world", "language": "en_US"}})
    assert resp.status_code == 202, resp.text
    assert resp.json()["conversation_id"] == conv["id"]
    assert (await settle(lambda: _sent(stack, conv["id"])))["type"] == "template"


async def test_contact_without_conversation_needs_a_channel(stack):
    from chatdesk.contacts.models import Contact

    async with stack.rt.db.session() as session:
        contact = Contact(workspace_id=stack.workspace_id, name="New", phone="+31612000999",
                          created_at=stack.clock.now(), updated_at=stack.clock.now())
        session.add(contact)
        await session.flush()
        contact_id = contact.id
    body = {"type": "template", "template": {"name": "hello_world", "language": "en_US"}}
    resp = await stack.api.post(f"/api/v1/contacts/{contact_id}/messages", json=body)
    assert resp.status_code == 422 and resp.json()["code"] == "channel_required"


async def test_create_refuses_what_meta_refuses_with_field_errors(stack):
    resp = await stack.api.post("/api/v1/templates", json={
        "channel_id": stack.channel_id, "name": "Bad Name", "language": "en_US", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "{{1}} starts it"}]})
    assert resp.status_code == 422
    problem = resp.json()
    assert problem["code"] == "invalid_template"
    locs = [e["loc"] for e in problem["errors"]]
    assert ["name"] in locs and ["components", 0, "text"] in locs
