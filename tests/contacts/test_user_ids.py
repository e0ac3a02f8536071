"""WhatsApp's business-scoped user ids (BSUIDs) and usernames (issue 13), through chatdesk.

A customer is known by their user id when WhatsApp sends one and by their number otherwise,
and both are kept when both are known: the number links them to the same contact, the user id
survives a number change. A username-only customer (no number at all) is a full contact,
answered by ``recipient`` = user id. The username is shown, never used as an id.

Meta's 2026 shapes come from the recorded payloads, so every id combination can be written
exactly; the sends go to ``FakeGraph`` (real HTTP over ASGI), which records them. The same loop
through the sandbox is tests/conversations/test_whatsapp_2026_loop.py.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from chatdesk.contacts.models import Contact, ContactIdentity
from tests.conftest import payload
from tests.fakes.graph import FakeGraph

ROBIN = "NL.1234567890123456789"   # the user id in the recorded username-only payload
ALEX = "US.10293847561029384756"   # ... and in the recorded text payload, with number 15550002222
ALEX_PHONE = "15550002222"


@pytest.fixture
async def graph(bare) -> FakeGraph:
    fake = FakeGraph()
    bare.router.mount("sandbox.test", fake.app)   # the channel's graph_url
    return fake


def value_of(body: dict[str, Any]) -> dict[str, Any]:
    return body["entry"][0]["changes"][0]["value"]


def message(wamid: str, ts: int, text: str, *, user_id: str | None = None, phone: str | None = None,
            name: str | None = "Alex Doe", username: str | None = None) -> bytes:
    """The recorded text webhook with the sender's ids as given (None: left out, as Meta does)."""
    body = json.loads(payload("wa_inbound_text.json"))
    value = value_of(body)
    person: dict[str, Any] = {"profile": {k: v for k, v in (("name", name), ("username", username)) if v}}
    msg = value["messages"][0]
    msg.update({"id": wamid, "timestamp": str(ts), "text": {"body": text}})
    for field, contact_field, v in (("from", "wa_id", phone), ("from_user_id", "user_id", user_id)):
        msg.pop(field, None)
        if v:
            msg[field] = person[contact_field] = v
    value["contacts"] = [person]
    return json.dumps(body).encode()


def system(wamid: str, ts: int, change: str, new: str, *, phone: str | None, user_id: str | None) -> bytes:
    """A ``system`` message telling that the sender changed number or user id (no ``contacts``)."""
    body = json.loads(message(wamid, ts, "", user_id=user_id, phone=phone))
    value = value_of(body)
    del value["contacts"]
    msg = value["messages"][0]
    del msg["text"]
    key = "wa_id" if change == "user_changed_number" else "user_id"
    msg.update({"type": "system", "system": {"body": f"User changed to {new}", "type": change, key: new}})
    return json.dumps(body).encode()


def receipt(name: str, wamid: str, ts: int) -> bytes:
    body = json.loads(payload(name))
    value_of(body)["statuses"][0].update({"id": wamid, "timestamp": str(ts)})
    return json.dumps(body).encode()


async def identities(bare) -> list[tuple[int, str, str, str | None]]:
    async with bare.rt.db.reader() as session:
        rows = await session.execute(select(ContactIdentity.contact_id, ContactIdentity.id_type,
                                            ContactIdentity.external_id, ContactIdentity.username)
                                     .order_by(ContactIdentity.id))
        return [tuple(r) for r in rows]


async def contacts(bare) -> list[tuple[int, str, str | None]]:
    async with bare.rt.db.reader() as session:
        rows = await session.execute(select(Contact.id, Contact.name, Contact.phone).order_by(Contact.id))
        return [tuple(r) for r in rows]


async def reply(bare, conv_id: int, **body: Any) -> dict[str, Any]:
    resp = await bare.api.post(f"/api/v1/conversations/{conv_id}/messages", json=body)
    assert resp.status_code == 202, resp.text
    await bare.drain()
    return resp.json()


async def test_a_username_only_customer_is_a_full_contact_answered_by_user_id(bare, graph):
    ts = int(bare.clock.now().timestamp())
    raw = json.loads(payload("wa_inbound_username_only.json"))
    value_of(raw)["messages"][0]["timestamp"] = str(ts)
    await bare.webhook(json.dumps(raw).encode())
    await bare.drain()
    (conv,) = await bare.conversations()
    assert (conv["contact"]["name"], conv["contact"]["phone"]) == ("Robin Vale", None)
    shown = (await bare.api.get(f"/api/v1/contacts/{conv['contact']['id']}")).json()["identities"]
    assert [(i["id_type"], i["external_id"], i["username"]) for i in shown] == [("user_id", ROBIN, "@robin.vale")]

    (inbound,) = await bare.messages(conv["id"])
    await reply(bare, conv["id"], type="text", text="Yes! Shipping to the Netherlands takes 2-3 business days.",
                reply_to_id=inbound["id"])
    await reply(bare, conv["id"], type="reaction", message_id=inbound["id"], emoji="👍")
    await reply(bare, conv["id"], type="image", link="https://shop.example/box.jpg", text="Your box")
    assert (await bare.api.post(f"/api/v1/conversations/{conv['id']}/read")).status_code == 204
    await bare.drain()
    text, reaction, image = graph.sends
    assert all(s["recipient"] == ROBIN and "to" not in s for s in graph.sends)
    recorded = json.loads(payload("wa_send_text_by_recipient_request.json"))
    assert {k: text[k] for k in recorded} == recorded
    assert text["context"] == {"message_id": inbound["provider_message_id"]}
    assert reaction["reaction"]["message_id"] == inbound["provider_message_id"]
    assert image["image"]["link"] == "https://shop.example/box.jpg"
    assert [r.get("message_id") for r in graph.requests if r.get("status") == "read"] == [
        inbound["provider_message_id"]]

    # the receipt for a send by user id has no number: the ticks move all the same
    sent = next(m for m in await bare.messages(conv["id"]) if m["type"] == "text" and m["direction"] == "out")
    await bare.webhook(receipt("wa_status_delivered_bsuid.json", sent["provider_message_id"], ts + 5))
    await bare.drain()
    again = next(m for m in await bare.messages(conv["id"]) if m["id"] == sent["id"])
    assert again["status"] == "delivered"


async def test_a_phone_contact_gets_its_user_id_with_the_next_message_and_is_still_sent_to_by_number(bare, graph):
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(message("wamid.P1", ts, "hi", phone=ALEX_PHONE))   # the shape of before user ids
    await bare.drain()
    (contact_id, _, _), = await contacts(bare)
    assert await identities(bare) == [(contact_id, "phone", ALEX_PHONE, None)]
    await bare.webhook(message("wamid.P2", ts + 1, "me again", phone=ALEX_PHONE, user_id=ALEX, username="@alex"))
    await bare.drain()
    assert await identities(bare) == [(contact_id, "phone", ALEX_PHONE, "@alex"),
                                      (contact_id, "user_id", ALEX, "@alex")]
    (conv,) = await bare.conversations()
    await reply(bare, conv["id"], type="text", text="Hello Alex")
    (sent,) = graph.sends
    assert sent["to"] == ALEX_PHONE and "recipient" not in sent   # Meta: the number when known


async def test_a_receipt_with_contacts_attaches_the_user_id(bare, graph):
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(message("wamid.R1", ts, "hi", phone=ALEX_PHONE))
    await bare.drain()
    (conv,) = await bare.conversations()
    await reply(bare, conv["id"], type="text", text="Hello")
    out = next(m for m in await bare.messages(conv["id"]) if m["direction"] == "out")
    # the recorded delivered receipt: contacts [{wa_id 15550002222, user_id US.…}]
    await bare.webhook(receipt("wa_status_delivered.json", out["provider_message_id"], ts + 2))
    await bare.drain()
    contact_id = conv["contact"]["id"]
    assert await identities(bare) == [(contact_id, "phone", ALEX_PHONE, None), (contact_id, "user_id", ALEX, None)]
    assert len(await contacts(bare)) == 1


async def test_phone_only_then_both_then_user_id_only_stays_one_contact(bare, graph):
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(message("wamid.S1", ts, "one", phone=ALEX_PHONE))
    await bare.drain()
    await bare.webhook(message("wamid.S2", ts + 1, "two", phone=ALEX_PHONE, user_id=ALEX))
    await bare.drain()
    # Alex adopts a username and stops sharing the number (Meta then leaves `from` out)
    await bare.webhook(message("wamid.S3", ts + 2, "three", user_id=ALEX, username="@alex.doe"))
    await bare.drain()
    ((contact_id, name, phone),) = await contacts(bare)
    assert (name, phone) == ("Alex Doe", f"+{ALEX_PHONE}")
    (conv,) = await bare.conversations()
    assert [m["text"] for m in await bare.messages(conv["id"])] == ["one", "two", "three"]
    assert await identities(bare) == [(contact_id, "phone", ALEX_PHONE, None),
                                      (contact_id, "user_id", ALEX, "@alex.doe")]


async def test_the_same_steps_in_one_batch_are_one_contact(bare):
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(message("wamid.B1", ts, "one", user_id=ALEX))
    await bare.webhook(message("wamid.B2", ts + 1, "two", phone=ALEX_PHONE, user_id=ALEX))
    await bare.webhook(message("wamid.B3", ts + 2, "three", phone=ALEX_PHONE))
    await bare.drain()
    ((contact_id, _, phone),) = await contacts(bare)
    assert phone == f"+{ALEX_PHONE}"   # learnt when first shared
    assert sorted(await identities(bare)) == [(contact_id, "phone", ALEX_PHONE, None),
                                              (contact_id, "user_id", ALEX, None)]


async def test_a_username_only_contact_is_named_by_its_username_else_its_user_id(bare):
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(message("wamid.U1", ts, "hi", user_id="NL.1", name=None, username="@quiet"))
    await bare.webhook(message("wamid.U2", ts, "hi", user_id="NL.2", name=None))
    await bare.drain()
    assert [(n, p) for _, n, p in await contacts(bare)] == [("@quiet", None), ("NL.2", None)]


async def test_a_number_change_keeps_the_contact_and_replies_go_to_the_new_number(bare, graph):
    ts = int(bare.clock.now().timestamp())
    old, new = "31612000001", "31612000002"
    await bare.webhook(message("wamid.C1", ts, "hi", phone=old, user_id="NL.7", name="Sam"))
    await bare.drain()
    await bare.webhook(system("wamid.C2", ts + 1, "user_changed_number", new, phone=old, user_id="NL.7"))
    await bare.drain()
    # WhatsApp gives a new user id with a new number
    await bare.webhook(system("wamid.C3", ts + 2, "user_changed_user_id", "NL.8", phone=new, user_id="NL.7"))
    await bare.drain()
    await bare.webhook(message("wamid.C4", ts + 3, "new phone who dis", phone=new, user_id="NL.8", name="Sam"))
    await bare.drain()
    ((contact_id, name, phone),) = await contacts(bare)
    assert (name, phone) == ("Sam", f"+{new}")
    assert sorted(await identities(bare)) == sorted([
        (contact_id, "phone", old, None), (contact_id, "user_id", "NL.7", None),
        (contact_id, "phone", new, None), (contact_id, "user_id", "NL.8", None)])
    (conv,) = await bare.conversations()
    await reply(bare, conv["id"], type="text", text="Got your new number")
    assert graph.sends[0]["to"] == new


async def test_an_agent_s_name_for_the_contact_is_kept(bare):
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(message("wamid.N1", ts, "hi", user_id="NL.5", name=None, username="@nick"))
    await bare.drain()
    ((contact_id, name, _),) = await contacts(bare)
    assert name == "@nick"
    await bare.webhook(message("wamid.N2", ts + 1, "hi", user_id="NL.5", name="Nick Vos", username="@nick"))
    await bare.drain()
    assert (await contacts(bare))[0][1] == "Nick Vos"   # the profile name, once there is one
    async with bare.rt.db.session() as session:
        (await session.get_one(Contact, contact_id)).name = "Nick (VIP)"
    await bare.webhook(message("wamid.N3", ts + 2, "hi", user_id="NL.5", name="Nicky", username="@nicky"))
    await bare.drain()
    assert (await contacts(bare))[0][1] == "Nick (VIP)"
    assert (await identities(bare))[0][3] == "@nicky"   # the handle stays current


async def test_the_inbox_shows_the_username_as_the_handle_and_the_number_when_known(stack):
    from tests.conftest import settle
    from tests.inbox.conftest import Browser, add_member

    ts = int(stack.clock.now().timestamp())
    await stack.webhook(message("wamid.I1", ts, "hi", user_id=ROBIN, username="@robin.vale", name="Robin Vale"))
    await stack.webhook(message("wamid.I2", ts, "hi", user_id=ALEX, phone=ALEX_PHONE, username="@alex.doe"))
    convs = await settle(lambda: _two(stack))
    await add_member(stack, stack.workspace_id, "agent@test.shop")
    browser = Browser(stack)
    assert (await browser.login("agent@test.shop")).status_code == 303
    try:
        by_name = {c["contact"]["name"]: c["id"] for c in convs}
        for name, handle, phone in (("Robin Vale", "@robin.vale", None), ("Alex Doe", "@alex.doe", ALEX_PHONE)):
            page = (await browser.get(f"/w/test-shop/c/{by_name[name]}")).text
            header = (await browser.get(f"/w/test-shop/c/{by_name[name]}/header")).text
            for html in (page, header):
                assert handle in html
                assert (f"+{phone}" in html) if phone else ("tel:" not in html)
    finally:
        await browser.aclose()


async def _two(stack) -> list[dict[str, Any]] | None:
    convs = await stack.conversations()
    return convs if len(convs) == 2 else None


async def test_contacts_are_found_by_username_prefix(bare):
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(message("wamid.F1", ts, "hi", user_id=ROBIN, username="@Robin.Vale", name="R. V."))
    await bare.webhook(message("wamid.F2", ts, "hi", user_id=ALEX, username="@alex", name="Alex Doe"))
    await bare.drain()
    for q, found in (("robin", ["R. V."]), ("@ROB", ["R. V."]), ("@robin.vale", ["R. V."]), ("vale", []),
                     ("al", ["Alex Doe"]), ("@", [])):
        resp = await bare.api.get("/api/v1/contacts", params={"q": q})
        assert [c["name"] for c in resp.json()["items"]] == found, q
