"""Simulated customers: active personas write in on their own and answer what the business sends
(list rows, reply buttons, template quick replies, scripted follow-ups that end)."""
from __future__ import annotations

import asyncio
from typing import Any

from chatdesk.sandbox.personas import PERSONAS
from tests.sandbox.sandbox_helpers import Harness, text, wait_for

SANNE = PERSONAS[0].wa_id
LIST = {"type": "list", "body": {"text": "Welke bezorgoptie wil je?"},
        "action": {"button": "Kies", "sections": [{"title": "Opties", "rows": [
            {"id": "express", "title": "Express", "description": "Morgen in huis"},
            {"id": "standard", "title": "Standaard", "description": "2-3 dagen"}]}]}}


def replies_from(h: Harness, wa_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [m for m in h.receiver.messages() if m["from"] == wa_id
            and kind in (None, m["type"], (m.get("interactive") or {}).get("type"))]


async def quiet_harness(make_harness, customers: int = 1) -> Harness:
    # A very long interval: personas do not start conversations by themselves during the test.
    return await make_harness(customers=customers, customer_interval=10_000, seed=7)


async def test_persona_chooses_a_list_row(make_harness):
    h = await quiet_harness(make_harness)
    await h.customer(SANNE, type="text", text="Hoi")   # opens the window for free-form sends
    body = {"messaging_product": "whatsapp", "to": SANNE, "type": "interactive",
            "interactive": LIST}
    wamid = (await h.send(body)).json()["messages"][0]["id"]
    reply = (await wait_for(lambda: replies_from(h, SANNE, "list_reply")))[0]
    assert reply["context"]["id"] == wamid
    chosen = reply["interactive"]["list_reply"]
    assert (chosen["id"], chosen["title"]) in {("express", "Express"), ("standard", "Standaard")}


async def test_persona_taps_a_reply_button(make_harness):
    h = await quiet_harness(make_harness)
    await h.customer(SANNE, type="text", text="Hoi")
    buttons = {"type": "button", "body": {"text": "Bevestigen?"}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": "yes", "title": "Ja"}},
        {"type": "reply", "reply": {"id": "no", "title": "Nee"}}]}}
    wamid = (await h.send({"messaging_product": "whatsapp", "to": SANNE, "type": "interactive",
                           "interactive": buttons})).json()["messages"][0]["id"]
    reply = (await wait_for(lambda: replies_from(h, SANNE, "button_reply")))[0]
    assert reply["context"]["id"] == wamid
    assert reply["interactive"]["button_reply"]["id"] in {"yes", "no"}


async def test_persona_taps_a_template_quick_reply(make_harness):
    h = await quiet_harness(make_harness)
    template = {"name": "order_update", "language": {"code": "nl"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "Sanne"},
                                        {"type": "text", "text": "NL-48213"}]},
        {"type": "button", "sub_type": "quick_reply", "index": "0",
         "parameters": [{"type": "payload", "payload": "track-NL-48213"}]}]}
    wamid = (await h.send({"messaging_product": "whatsapp", "to": SANNE, "type": "template",
                           "template": template})).json()["messages"][0]["id"]
    reply = (await wait_for(lambda: replies_from(h, SANNE, "button")))[0]
    assert reply["context"]["id"] == wamid
    assert (reply["button"]["text"], reply["button"]["payload"]) in {
        ("Bestelling volgen", "track-NL-48213"), ("Contact opnemen", "Contact opnemen")}


async def test_scripted_scenario_follows_up_then_ends(make_harness):
    h = await quiet_harness(make_harness)
    started = await h.http.post(f"/_sandbox/customers/{SANNE}/scenario",
                                json={"scenario": "where_is_my_order"})
    assert started.status_code == 200
    opening = (await wait_for(lambda: replies_from(h, SANNE, "text")))[0]
    assert "NL-48213" in opening["text"]["body"]
    scenario = PERSONAS[0].scenarios[0]
    expected = [*scenario.followups, scenario.closing]
    for count, line in enumerate(expected, start=2):
        await h.send(text(to=SANNE, body="Ik kijk het even na."))
        texts = await wait_for(lambda c=count: (t := replies_from(h, SANNE, "text"))
                               and len(t) >= c and t)
        assert texts[count - 1]["text"]["body"] == line
    reaction = (await wait_for(lambda: replies_from(h, SANNE, "reaction")))[0]
    assert reaction["reaction"]["emoji"] == scenario.react
    # The scenario is over: another message gets read but no answer.
    before = len(replies_from(h, SANNE))
    wamid = (await h.send(text(to=SANNE, body="Nog iets?"))).json()["messages"][0]["id"]
    await wait_for(lambda: [s for s in h.receiver.statuses()
                            if s["id"] == wamid and s["status"] == "read"])
    await asyncio.sleep(0.3)
    assert len(replies_from(h, SANNE)) == before


async def test_active_personas_start_conversations(make_harness):
    h = await make_harness(customers=2, customer_interval=0.05, seed=3)
    active = {p.wa_id for p in PERSONAS[:2]}
    await wait_for(lambda: active <= {m["from"] for m in h.receiver.messages()})
    customers = (await h.control("customers"))["customers"]
    assert {c["wa_id"] for c in customers if c["active"]} == active
    assert len([c for c in customers if c["persona"]]) == len(PERSONAS) >= 8
    languages = {c["language"] for c in customers if c["persona"]}
    assert languages == {"nl", "de", "en"}


async def test_inactive_personas_do_not_answer(h: Harness):
    await h.customer(SANNE, type="text", text="Hoi")
    body = {"messaging_product": "whatsapp", "to": SANNE, "type": "interactive",
            "interactive": LIST}
    wamid = (await h.send(body)).json()["messages"][0]["id"]
    await wait_for(lambda: [s for s in h.receiver.statuses()
                            if s["id"] == wamid and s["status"] == "read"])
    await asyncio.sleep(0.3)
    assert [m["type"] for m in replies_from(h, SANNE)] == ["text"]   # only the opening
