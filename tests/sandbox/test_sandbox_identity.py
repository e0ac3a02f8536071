"""2026 identities on the wire (SPEC §1.1, §1.2, §1.4, §2.1, §2.2, §5.5, §5.6): BSUIDs and
usernames in webhooks, a username-only persona without a phone number, sends by ``recipient``,
statuses that mirror the addressing, and 131062 for authentication templates to a BSUID.

Bodies are read as plain JSON here: chatdesk's own parser learns the username-only shape in
another change, and these tests are about what the sandbox puts on the wire.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from chatdesk.sandbox import identity
from chatdesk.sandbox.personas import PERSONAS, by_wa_id
from tests.conftest import PAYLOADS
from tests.sandbox.sandbox_helpers import (
    ALEX,
    PNID,
    TOKEN,
    Harness,
    assert_error,
    text,
    wait_for,
)

ROBIN = next(p for p in PERSONAS if not p.has_phone)
EMILY = next(p for p in PERSONAS if p.name == "Emily Clarke")
SANNE = PERSONAS[0]
CONFORMANCE = PAYLOADS / "whatsapp"


def values(h: Harness) -> list[dict[str, Any]]:
    return [c["value"] for body in h.receiver.bodies for e in json.loads(body)["entry"]
            for c in e["changes"]]


def message_values(h: Harness) -> list[dict[str, Any]]:
    return [v for v in values(h) if "messages" in v]


async def first_message(h: Harness) -> dict[str, Any]:
    """The value of the first messages webhook, once delivered."""
    return (await wait_for(lambda: message_values(h)))[0]


def status_values(h: Harness, wamid: str) -> list[dict[str, Any]]:
    return [v for v in values(h) if v.get("statuses", [{}])[0].get("id") == wamid]


def by_recipient(user_id: str, body: str = "Hello from chatdesk") -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient": user_id, "type": "text",
            "text": {"body": body}}


async def send(h: Harness, body: dict[str, Any], version: str = "v23.0") -> Any:
    return await h.http.post(f"/{version}/{PNID}/messages", json=body,
                             headers={"Authorization": f"Bearer {TOKEN}"})


def test_bsuids_are_stable_and_carry_the_country_of_the_number():
    countries = {p.name: p for p in PERSONAS}
    assert identity.phone_user_id(countries["Sanne de Vries"].wa_id).startswith("NL.")
    assert identity.phone_user_id(countries["Lukas Schneider"].wa_id).startswith("DE.")
    assert identity.phone_user_id(countries["Oliver Smith"].wa_id).startswith("GB.")
    assert identity.phone_user_id(countries["Michael Johnson"].wa_id).startswith("US.")
    assert identity.phone_user_id("31612345678") == identity.phone_user_id("31612345678")
    assert identity.BSUID.fullmatch(identity.phone_user_id("31612345678"))
    assert identity.PARENT_BSUID.fullmatch(identity.parent_of("NL.1234567890123456789"))
    assert ROBIN.wa_id.startswith("NL.") and identity.is_bsuid(ROBIN.wa_id)


async def test_phone_customers_write_with_wa_id_and_bsuid(make_harness):
    first, second = await make_harness(), await make_harness()
    for h in (first, second):
        await h.customer(SANNE.wa_id, type="text", text="Hoi")
    value = await first_message(first)
    contact, message = value["contacts"][0], value["messages"][0]
    assert contact["wa_id"] == message["from"] == SANNE.wa_id
    assert contact["user_id"] == message["from_user_id"] == identity.phone_user_id(SANNE.wa_id)
    assert contact["profile"] == {"name": SANNE.name}   # no username adopted
    # A restarted sandbox gives the same customer the same BSUID.
    assert (await first_message(second))["contacts"][0]["user_id"] == contact["user_id"]


async def test_a_persona_with_a_username_sends_it_in_the_profile(h: Harness):
    await h.customer(EMILY.wa_id, type="text", text="Hello!")
    contact = (await first_message(h))["contacts"][0]
    assert contact["profile"] == {"name": EMILY.name, "username": "@emily.clarke"}
    assert contact["wa_id"] == EMILY.wa_id


async def test_the_username_only_persona_writes_without_a_phone_number(h: Harness):
    """Shaped like wa_inbound_username_only.json: no ``wa_id``, no ``from``."""
    response = await h.http.post(f"/_sandbox/customers/{ROBIN.wa_id}/scenario", json={})
    assert response.status_code == 200
    value = await first_message(h)
    assert value["contacts"] == [{"profile": {"name": "Robin Vale", "username": "@robin.vale"},
                                  "user_id": ROBIN.wa_id}]
    message = value["messages"][0]
    assert "from" not in message
    assert message["from_user_id"] == ROBIN.wa_id
    assert message["type"] == "text" and message["text"]["body"].startswith("Hoi")


async def test_control_api_lists_the_username_only_persona(h: Harness):
    listed = {c["key"]: c for c in (await h.control("customers"))["customers"]}
    robin = listed[ROBIN.wa_id]
    assert robin["wa_id"] is None and robin["has_phone"] is False
    assert (robin["user_id"], robin["username"], robin["handle"]) == (
        ROBIN.wa_id, "@robin.vale", "@robin.vale")
    assert robin["scenarios"] == [s.key for s in by_wa_id()[ROBIN.wa_id].scenarios]
    page = (await h.http.get(f"/phone?wa_id={ROBIN.wa_id}")).text
    assert "Robin Vale (@robin.vale)" in page and f'data-selected="{ROBIN.wa_id}"' in page


async def test_control_api_makes_username_only_customers(h: Harness):
    response = await h.http.post("/_sandbox/customers",
                                 json={"name": "Kim", "username": "kim.k", "country": "DE"})
    assert response.status_code == 201
    kim = response.json()
    assert kim["wa_id"] is None and kim["key"].startswith("DE.") and kim["username"] == "@kim.k"
    await h.customer(kim["key"], type="image", caption="look")
    value = await first_message(h)
    assert "from" not in value["messages"][0] and "wa_id" not in value["contacts"][0]
    assert (await h.http.post("/_sandbox/customers", json={"name": "Nobody"})).status_code == 400


async def test_reply_by_recipient_to_a_username_only_customer(h: Harness):
    """Response ``{input, user_id}``; statuses with ``recipient_user_id`` and contacts without
    a phone, the username only on delivered/read (like wa_status_delivered_bsuid.json)."""
    await h.customer(ROBIN.wa_id, type="text", text="Hoi")
    response = await send(h, by_recipient(ROBIN.wa_id))
    assert response.status_code == 200, response.text
    assert response.json()["contacts"] == [{"input": ROBIN.wa_id, "user_id": ROBIN.wa_id}]
    wamid = response.json()["messages"][0]["id"]
    found = await wait_for(lambda: len(status_values(h, wamid)) == 3 and status_values(h, wamid))
    assert [v["statuses"][0]["status"] for v in found] == ["sent", "delivered", "read"]
    for value in found:
        status = value["statuses"][0]
        assert status["recipient_user_id"] == ROBIN.wa_id and "recipient_id" not in status
        assert value["contacts"][0]["user_id"] == ROBIN.wa_id
        assert "wa_id" not in value["contacts"][0]
    assert "username" not in found[0]["contacts"][0]["profile"]
    assert found[1]["contacts"][0]["profile"]["username"] == "@robin.vale"
    fixture = json.loads((CONFORMANCE / "wa_status_sent.json").read_text())
    expected_keys = set(fixture["entry"][0]["changes"][0]["value"]["statuses"][0])
    expected_keys = expected_keys - {"recipient_id"} | {"recipient_user_id", "conversation"}
    assert set(found[0]["statuses"][0]) == expected_keys


async def test_recipient_to_a_phone_customer_mirrors_the_addressing(h: Harness):
    await h.customer(SANNE.wa_id, type="text", text="Hoi")
    user_id = identity.phone_user_id(SANNE.wa_id)
    response = await send(h, by_recipient(user_id))
    assert response.json()["contacts"] == [{"input": user_id, "user_id": user_id}]
    wamid = response.json()["messages"][0]["id"]
    sent = (await wait_for(lambda: status_values(h, wamid)))[0]
    assert sent["statuses"][0]["recipient_user_id"] == user_id
    assert "recipient_id" not in sent["statuses"][0]
    assert sent["contacts"][0]["wa_id"] == SANNE.wa_id   # the number is shared


async def test_to_wins_when_both_are_given(h: Harness):
    await h.customer(ALEX, type="text", text="hi")
    response = await send(h, {**text(), "recipient": ROBIN.wa_id})
    assert response.json()["contacts"] == [{"input": ALEX, "wa_id": ALEX}]
    wamid = response.json()["messages"][0]["id"]
    sent = (await wait_for(lambda: status_values(h, wamid)))[0]["statuses"][0]
    assert sent["recipient_id"] == ALEX and "recipient_user_id" not in sent


async def test_phone_send_statuses_carry_contacts(h: Harness):
    await h.customer(ALEX, type="text", text="hi")
    wamid = (await send(h, text())).json()["messages"][0]["id"]
    sent = (await wait_for(lambda: status_values(h, wamid)))[0]
    assert sent["contacts"] == [{"profile": {"name": f"+{ALEX}"}, "wa_id": ALEX,
                                 "user_id": identity.phone_user_id(ALEX)}]


async def test_recipient_errors(h: Harness):
    assert_error(await send(h, by_recipient("not-a-bsuid")), 131009)
    assert_error(await send(h, {"messaging_product": "whatsapp", "type": "text",
                                "text": {"body": "x"}}), 131008,
                 details="The parameter to is required.")
    # schema before addressing: a too long body to a good BSUID is still 131009 for the body
    assert_error(await send(h, by_recipient(ROBIN.wa_id, "x" * 5000)), 131009,
                 details="Text body is too long. Max length is 4096")


async def test_unknown_bsuid_becomes_a_customer_without_a_phone(h: Harness):
    stranger = "US.99999999999999999"
    response = await send(h, by_recipient(stranger))
    assert response.json()["contacts"] == [{"input": stranger, "user_id": stranger}]
    wamid = response.json()["messages"][0]["id"]
    failed = (await wait_for(lambda: status_values(h, wamid)))[0]
    # never wrote in: accepted, then the re-engagement failure, addressed as it was sent
    assert failed["statuses"][0]["errors"][0]["code"] == 131047
    assert failed["statuses"][0]["recipient_user_id"] == stranger
    assert "contacts" not in failed


def auth_template(to: dict[str, str]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "type": "template", **to, "template": {
        "name": "login_code", "language": {"code": "en_US"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "123456"}]}]}}


async def test_authentication_templates_cannot_go_to_a_bsuid(h: Harness):
    added = await h.http.post("/_sandbox/templates", json={
        "name": "login_code", "language": "en_US", "category": "AUTHENTICATION",
        "body_params": 1, "buttons": ["Copy code"]})
    assert added.status_code == 201
    assert_error(await send(h, auth_template({"recipient": ROBIN.wa_id})), 131062,
                 details="You can only send authentication messages to recipients' phone "
                         "numbers, not their business-scoped user IDs.")
    assert (await send(h, auth_template({"to": ALEX}))).status_code == 200
    # 131062 is decided before the template's parameters (132000) are looked at
    wrong_params = auth_template({"recipient": ROBIN.wa_id})
    wrong_params["template"]["components"] = []
    assert_error(await send(h, wrong_params), 131062)


async def test_parent_bsuids_when_enabled(make_harness):
    h = await make_harness(parent_user_ids=True)
    await h.customer(SANNE.wa_id, type="text", text="Hoi")
    value = await first_message(h)
    parent = identity.parent_of(identity.phone_user_id(SANNE.wa_id))
    assert value["contacts"][0]["parent_user_id"] == parent
    assert value["messages"][0]["from_parent_user_id"] == parent
    response = await send(h, by_recipient(parent))
    assert response.status_code == 200
    wamid = response.json()["messages"][0]["id"]
    sent = (await wait_for(lambda: status_values(h, wamid)))[0]
    assert sent["statuses"][0]["recipient_user_id"] == identity.phone_user_id(SANNE.wa_id)
    assert "errors" not in sent["statuses"][0]   # the window of that customer is open


@pytest.mark.parametrize("version", ["v24.0", "v25.0"])
async def test_v24_and_later_statuses_have_no_conversation(make_harness, version: str):
    h = await make_harness()
    await h.customer(ALEX, type="text", text="hi")
    wamid = (await send(h, text(), version=version)).json()["messages"][0]["id"]
    found = await wait_for(lambda: len(status_values(h, wamid)) == 3 and status_values(h, wamid))
    statuses = [v["statuses"][0] for v in found]
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert all("conversation" not in s for s in statuses)
    assert ["pricing" in s for s in statuses] == [True, True, False]


async def test_leniency_failed_statuses_with_contacts(make_harness):
    h = await make_harness(failed_status_contacts=True)
    wamid = (await send(h, text())).json()["messages"][0]["id"]
    failed = (await wait_for(lambda: status_values(h, wamid)))[0]
    assert failed["statuses"][0]["status"] == "failed"
    assert failed["contacts"] == [{"wa_id": ALEX, "user_id": identity.phone_user_id(ALEX)}]


async def test_the_username_only_persona_answers_a_reply_by_recipient(make_harness):
    """Active like any persona: it opens a scenario and follows up on the business's answer."""
    h = await make_harness(customers=len(PERSONAS), customer_interval=10_000, seed=3)
    await h.http.post(f"/_sandbox/customers/{ROBIN.wa_id}/scenario",
                      json={"scenario": "shipping_question"})
    await first_message(h)
    await send(h, by_recipient(ROBIN.wa_id, "Ja hoor, ook naar Utrecht."))
    followup = ROBIN.scenarios[0].followups[0]
    found = await wait_for(lambda: [m for v in message_values(h) for m in v["messages"]
                                    if m.get("text", {}).get("body") == followup])
    assert found[0]["from_user_id"] == ROBIN.wa_id and "from" not in found[0]


async def test_username_only_contacts_card_has_no_phone(h: Harness):
    await h.customer(ROBIN.wa_id, type="contacts", name="Robin")
    card = (await first_message(h))["messages"][0]["contacts"][0]
    assert card["name"]["formatted_name"] == "Robin" and card.get("phones", []) == []
