"""The sandbox's side of templates: review of submissions, status webhooks, 132000-series sends."""
from __future__ import annotations

from sqlalchemy import select

from chatdesk.channels.templates.models import MessageTemplate
from tests.conftest import ACCESS_TOKEN, PHONE_ID, WABA, settle

GOOD = {"name": "delivery_window", "language": "en_US", "category": "UTILITY", "components": [
    {"type": "BODY", "text": "Hi {{1}}, we deliver on {{2}}.", "example": {"body_text": [["Mark", "Monday"]]}}]}
AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


async def status_of(stack, name, language="en_US"):
    async with stack.rt.db.reader() as session:
        row = (await session.execute(select(MessageTemplate).where(
            MessageTemplate.name == name, MessageTemplate.language == language))).scalar_one_or_none()
    return row.status if row else None


async def test_created_template_is_submitted_then_approved_by_webhook(stack):
    resp = await stack.api.post("/api/v1/templates", json={"channel_id": stack.channel_id, **GOOD})
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "PENDING" and resp.json()["provider_id"]
    assert await settle(lambda: _is(stack, "delivery_window", "APPROVED"))


async def _is(stack, name, status):
    return await status_of(stack, name) == status


async def test_sandbox_refuses_what_meta_refuses(stack):
    bad = {**GOOD, "components": [{"type": "BODY", "text": "{{1}} is here"}]}
    resp = await stack.sandbox.post(f"/v23.0/{WABA}/message_templates", json=bad, headers=AUTH)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == 100 and error["error_subcode"] == 2388299
    gap = {**GOOD, "components": [{"type": "BODY", "text": "Hi {{1}} and {{3}}."}]}
    assert (await stack.sandbox.post(f"/v23.0/{WABA}/message_templates", json=gap,
                                     headers=AUTH)).json()["error"]["code"] == 100


async def test_paused_template_is_refused_by_chatdesk_and_by_the_sandbox(stack):
    assert (await stack.api.post("/api/v1/templates/sync")).status_code == 200
    resp = await stack.sandbox.post("/_sandbox/templates/status", json={
        "name": "winter_sale", "language": "en_US", "status": "PAUSED"})
    assert resp.status_code == 200
    assert await settle(lambda: _is(stack, "winter_sale", "PAUSED"))
    send = {"messaging_product": "whatsapp", "to": "31612000111", "type": "template",
            "template": {"name": "winter_sale", "language": {"code": "en_US"}, "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Mark"}]}]}}
    direct = await stack.sandbox.post(f"/v23.0/{PHONE_ID}/messages", json=send, headers=AUTH)
    assert direct.json()["error"]["code"] == 132015
    await stack.sandbox.post("/_sandbox/templates/status", json={
        "name": "winter_sale", "language": "en_US", "status": "DISABLED"})
    direct = await stack.sandbox.post(f"/v23.0/{PHONE_ID}/messages", json=send, headers=AUTH)
    assert direct.json()["error"]["code"] == 132016
