"""Lists and reply buttons through the REST API: refused with every offending field, sent to the
sandbox as WhatsApp's interactive objects, and the customer's choice linked to the question."""
from __future__ import annotations

from chatdesk.conversations.models import Message
from tests.conftest import settle
from tests.conversations.test_outbound import CUSTOMER, open_conversation, reply

A_LIST = {"type": "list", "text": "When shall we deliver?", "button": "Choose a slot", "header": "Delivery",
          "footer": "Free", "sections": [
              {"title": "Morning", "rows": [{"id": "m9", "title": "9:00", "description": "Before work"},
                                            {"id": "m11", "title": "11:00"}]},
              {"title": "Evening", "rows": [{"id": "e19", "title": "19:00"}]}]}


async def _sent_interactive(stack) -> list[dict]:
    return [r["request"] for r in await stack.sent_requests() if r["type"] == "interactive"] or None


async def test_a_list_is_sent_and_the_customers_choice_answers_it(stack):
    conv = await open_conversation(stack)
    resp = await reply(stack, conv["id"], **A_LIST)
    assert resp.status_code == 202, resp.text
    question = resp.json()
    assert question["type"] == "interactive" and question["content"]["kind"] == "list"
    (sent,) = await settle(lambda: _sent_interactive(stack))
    action = sent["interactive"]["action"]
    assert sent["interactive"]["type"] == "list" and action["button"] == "Choose a slot"
    assert [r["id"] for s in action["sections"] for r in s["rows"]] == ["m9", "m11", "e19"]
    wamid = (await settle(lambda: _provider_id(stack, question["id"])))
    await stack.customer_says(CUSTOMER, type="list_reply", id="e19", title="19:00", context_message_id=wamid)
    answer = await settle(lambda: _inbound_of_type(stack, conv["id"], "list_reply"))
    assert answer["reply_to_id"] == question["id"]
    assert answer["content"]["reply"]["title"] == "19:00"


async def test_reply_buttons_are_sent(stack):
    conv = await open_conversation(stack)
    resp = await reply(stack, conv["id"], type="buttons", text="Was this helpful?",
                       buttons=[{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}])
    assert resp.status_code == 202, resp.text
    (sent,) = await settle(lambda: _sent_interactive(stack))
    assert sent["interactive"]["type"] == "button"
    assert [b["reply"]["title"] for b in sent["interactive"]["action"]["buttons"]] == ["Yes", "No"]


async def test_over_the_limits_is_refused_naming_every_field_and_nothing_is_stored(stack):
    conv = await open_conversation(stack)
    too_many = [{"id": f"r{i}", "title": f"Row {i}"} for i in range(11)]
    resp = await reply(stack, conv["id"], type="list", text="Pick", button="b" * 21, sections=[
        {"title": "A", "rows": too_many[:1]}, {"title": "B", "rows": [{"id": "x", "title": "t" * 25}, *too_many[1:]]}])
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "interactive_invalid"
    assert [e["field"] for e in body["errors"]] == ["button", "sections", "sections[1].rows[0].title"]
    resp = await reply(stack, conv["id"], type="buttons", text="?", buttons=[{"id": str(i), "title": "t"}
                                                                              for i in range(4)])
    assert resp.status_code == 422 and [e["field"] for e in resp.json()["errors"]][0] == "buttons"
    resp = await reply(stack, conv["id"], type="quick_replies", text="?", quick_replies=[{"payload": "a", "title": "A"}])
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "type"
    assert [m for m in await stack.messages(conv["id"]) if m["direction"] == "out"] == []


async def _provider_id(stack, message_id: int) -> str | None:
    async with stack.rt.db.reader() as s:
        return (await s.get(Message, message_id)).provider_message_id


async def _inbound_of_type(stack, conv_id: int, type_: str) -> dict | None:
    found = [m for m in await stack.messages(conv_id) if m["type"] == type_]
    return found[0] if found else None
