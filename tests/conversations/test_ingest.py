"""Inbound processing: contacts, conversations, typed messages, batches, statuses."""
from __future__ import annotations

import json

from tests.conftest import payload


def text_webhook(wa_id: str, name: str, wamid: str, ts: int, body: str) -> bytes:
    raw = json.loads(payload("wa_inbound_text.json"))
    value = raw["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    value["messages"][0].update({"from": wa_id, "id": wamid, "timestamp": str(ts), "text": {"body": body}})
    del value["messages"][0]["from_user_id"]   # the phone-only shape (before user ids): one id per person
    return json.dumps(raw).encode()


async def test_batched_delivery_creates_contacts_conversations_and_messages(bare):
    await bare.webhook(payload("wa_batched_multi.json"))
    await bare.drain()
    convs = await bare.conversations()
    assert sorted(c["contact"]["name"] for c in convs) == ["Alex Doe", "Sam Roe"]
    alex = next(c for c in convs if c["contact"]["name"] == "Alex Doe")
    assert alex["contact"]["phone"] == "+15550002222"
    assert alex["unread"] == 2
    msgs = await bare.messages(alex["id"])
    assert [(m["direction"], m["type"], m["text"]) for m in msgs] == [
        ("in", "text", "Also, what are your opening hours?"), ("in", "reaction", "❤️")]


async def test_every_type_is_stored_with_typed_content(bare):
    names = ["wa_inbound_text.json", "wa_inbound_image.json", "wa_inbound_document.json",
             "wa_inbound_location.json", "wa_inbound_contacts.json", "wa_inbound_list_reply.json",
             "wa_inbound_button_reply.json", "wa_inbound_template_button.json", "wa_inbound_reaction.json",
             "wa_inbound_order.json", "wa_inbound_reply_context.json", "wa_inbound_referral.json",
             "wa_inbound_unsupported.json"]
    for name in names:
        assert (await bare.webhook(payload(name))).status_code == 200
    await bare.drain()
    (conv,) = await bare.conversations()
    msgs = await bare.messages(conv["id"])
    by_type = {m["type"]: m for m in msgs}
    assert set(by_type) == {"text", "image", "document", "location", "contacts", "list_reply", "button_reply",
                            "quick_reply", "reaction", "order", "unsupported"}
    assert by_type["location"]["content"]["latitude"]
    assert by_type["document"]["content"]["filename"]
    assert by_type["unsupported"]["content"]["raw"]["type"] == "unsupported"
    assert len(msgs) == len(names)


async def test_profile_name_follows_whatsapp(bare):
    await bare.webhook(text_webhook("31612345678", "Anna", "wamid.A1", 1750000000, "hoi"))
    await bare.webhook(text_webhook("31612345678", "Anna de Vries", "wamid.A2", 1750000100, "hallo?"))
    await bare.drain()
    (conv,) = await bare.conversations()
    assert conv["contact"]["name"] == "Anna de Vries"
    contact = (await bare.api.get(f"/api/v1/contacts/{conv['contact']['id']}")).json()
    wanted = {"channel_id": bare.channel_id, "kind": "whatsapp", "external_id": "31612345678",
              "id_type": "phone", "profile_name": "Anna de Vries", "username": None, "parent_user_id": None}
    assert [{k: i[k] for k in wanted} for i in contact["identities"]] == [wanted]


async def test_last_inbound_time_is_the_customers_send_time(bare):
    await bare.webhook(text_webhook("31611111111", "B", "wamid.B1", 1750000000, "one"))
    await bare.webhook(text_webhook("31611111111", "B", "wamid.B0", 1749990000, "older, arrived late"))
    await bare.drain()
    (conv,) = await bare.conversations()
    assert conv["last_inbound_at"].startswith("2025-06-15T15:06:40")


async def test_resolved_conversation_is_reopened_by_a_new_message(bare):
    await bare.webhook(text_webhook("31622222222", "C", "wamid.C1", 1750000000, "first"))
    await bare.drain()
    (conv,) = await bare.conversations()
    resp = await bare.api.patch(f"/api/v1/conversations/{conv['id']}", json={"status": "resolved"})
    assert resp.json()["status"] == "resolved"
    await bare.webhook(text_webhook("31622222222", "C", "wamid.C2", 1750000500, "again"))
    await bare.drain()
    (again,) = await bare.conversations()
    assert (again["id"], again["status"]) == (conv["id"], "open")


async def test_status_for_an_unknown_message_is_kept_not_lost(bare):
    from sqlalchemy import select

    from chatdesk.channels.models import DeliveryStatus
    await bare.webhook(payload("wa_status_delivered.json"))
    await bare.drain()
    async with bare.rt.db.reader() as s:
        rows = (await s.execute(select(DeliveryStatus.status))).scalars().all()
    assert rows == ["delivered"]


async def test_the_timeline_follows_the_customers_send_time_not_arrival(bare):
    """Meta does not deliver in order: a message sent first but delivered last goes first."""
    now = int(bare.clock.now().timestamp())
    for wamid, age, body in (("wamid.T1", 60, "first"), ("wamid.T2", 50, "second"),
                             ("wamid.T0", 600, "zeroth, delivered last")):
        await bare.webhook(text_webhook("31612000111", "Late Larry", wamid, now - age, body))
        await bare.drain()
    (conv,) = await bare.conversations()
    assert [m["text"] for m in await bare.messages(conv["id"])] == ["zeroth, delivered last", "first", "second"]
    page = await bare.api.get(f"/api/v1/conversations/{conv['id']}/messages", params={"per_page": 1, "page": 3})
    assert [m["text"] for m in page.json()["items"]] == ["second"]
