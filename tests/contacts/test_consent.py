"""The consent ledger end to end: keywords from the sandbox, the REST API, and a marketing
template refused before queueing for a contact who said STOP."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from chatdesk.channels.content import Template, TemplateComponent
from chatdesk.contacts.models import Consent, Contact
from chatdesk.conversations import sending
from chatdesk.conversations.models import Conversation, Message
from chatdesk.core.errors import Problem
from tests.conftest import settle
from tests.conversations.test_outbound import CUSTOMER, open_conversation

# the sandbox's marketing template, with its one body variable
PROMO = Template(name="winter_sale", language="en_US", category="MARKETING", components=[
    TemplateComponent(type="body", parameters=[{"type": "text", "text": "Robin"}])])


async def _consents(stack, contact_id: int) -> dict:
    resp = await stack.api.get(f"/api/v1/contacts/{contact_id}/consents")
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _received_texts(stack) -> list[str]:
    return [m["request"]["text"]["body"] for m in await stack.inbox_of(CUSTOMER) if m["type"] == "text"]


async def _send_template(stack, conv_id: int, template: Template) -> Message:
    async with stack.rt.db.session() as s:
        conv = await s.get(Conversation, conv_id)
        return await sending.send(s, stack.rt, conv, sending.Draft(type="template", content=template))


async def _set_language(stack, contact_id: int, language: str) -> None:
    async with stack.rt.db.session() as s:
        (await s.get(Contact, contact_id)).language = language


async def test_stop_opts_out_with_a_confirmation_and_a_marketing_template_is_refused(stack):
    conv = await open_conversation(stack)
    contact_id = conv["contact"]["id"]
    await _set_language(stack, contact_id, "nl")
    await stack.customer_says(CUSTOMER, type="text", text="  stop ")
    said = await settle(lambda: _with_items(stack, contact_id, 1))
    (entry,) = said["items"]
    assert (entry["purpose"], entry["status"], entry["source"], entry["channel_id"]) == \
        ("marketing", "opted_out", "keyword", stack.channel_id)
    assert said["current"] == said["items"]
    confirmed = await settle(lambda: _text_starting(stack, "U ontvangt geen marketingberichten"))
    assert confirmed
    before = len(await stack.sent_requests())
    with pytest.raises(Problem) as refused:
        await _send_template(stack, conv["id"], PROMO)
    assert refused.value.status == 422 and refused.value.code == "consent_required"
    await stack.drain()
    assert [r for r in await stack.sent_requests() if r["type"] == "template"] == []
    assert len(await stack.sent_requests()) == before
    async with stack.rt.db.reader() as s:
        assert await s.scalar(select(func.count()).select_from(Message).where(Message.type == "template")) == 0


async def test_start_opts_back_in_and_the_marketing_template_goes_out(stack):
    conv = await open_conversation(stack)
    contact_id = conv["contact"]["id"]
    await stack.customer_says(CUSTOMER, type="text", text="STOP")
    await settle(lambda: _with_items(stack, contact_id, 1))
    await stack.customer_says(CUSTOMER, type="text", text="Start")
    said = await settle(lambda: _with_items(stack, contact_id, 2))
    assert [e["status"] for e in said["items"]] == ["opted_in", "opted_out"]  # newest first
    assert [e["status"] for e in said["current"]] == ["opted_in"]
    assert await settle(lambda: _text_starting(stack, "You are subscribed to our marketing messages again"))
    await _send_template(stack, conv["id"], PROMO)
    assert await settle(lambda: _sent_of_type(stack, "template"))


async def test_a_utility_template_needs_no_opt_in(stack):
    conv = await open_conversation(stack)
    await _send_template(stack, conv["id"], Template(name="order_update", language="nl", category="UTILITY"))
    with pytest.raises(Problem):  # never opted in: marketing refused
        await _send_template(stack, conv["id"], PROMO)


async def test_rest_records_consent_on_the_contacts_last_channel(stack):
    conv = await open_conversation(stack)
    contact_id = conv["contact"]["id"]
    resp = await stack.api.post(f"/api/v1/contacts/{contact_id}/consents", json={
        "purpose": "marketing", "status": "opted_in", "source": "import", "reference": "crm-export-2026-11"})
    assert resp.status_code == 201, resp.text
    entry = resp.json()
    assert entry["channel_id"] == stack.channel_id and entry["recorded_by"] == "api"
    assert entry["reference"] == "crm-export-2026-11"
    assert (await _consents(stack, contact_id))["current"][0]["status"] == "opted_in"
    await _send_template(stack, conv["id"], PROMO)


@pytest.mark.parametrize("body,code", [
    ({"purpose": "sales", "status": "opted_in", "source": "api"}, 422),
    ({"purpose": "marketing", "status": "maybe", "source": "api"}, 422),
    ({"purpose": "marketing", "status": "opted_in", "source": "rumour"}, 422),
    ({"purpose": "marketing", "status": "opted_in", "source": "api", "channel_id": 999}, 422),
    ({"purpose": "marketing", "status": "opted_in", "source": "api", "extra": 1}, 422),
])
async def test_rest_refuses_bad_values(stack, body, code):
    conv = await open_conversation(stack)
    resp = await stack.api.post(f"/api/v1/contacts/{conv['contact']['id']}/consents", json=body)
    assert resp.status_code == code, resp.text
    async with stack.rt.db.reader() as s:
        assert await s.scalar(select(func.count()).select_from(Consent)) == 0


async def test_another_workspaces_contact_is_not_found(stack):
    resp = await stack.api.get("/api/v1/contacts/999/consents")
    assert resp.status_code == 404


async def _with_items(stack, contact_id: int, n: int) -> dict | None:
    said = await _consents(stack, contact_id)
    return said if len(said["items"]) >= n else None


async def _text_starting(stack, start: str) -> bool:
    return any((t or "").startswith(start) for t in await _received_texts(stack))


async def _sent_of_type(stack, type_: str) -> list:
    return [r for r in await stack.sent_requests() if r["type"] == type_]
