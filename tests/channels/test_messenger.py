"""The Messenger channel end to end inside chatdesk: signed webhooks stored once, every recorded
payload parsed into the right message or receipt, replies through the Send API with the window's
rules (24 h RESPONSE, then HUMAN_AGENT until 7 days, then refused before any call), echoes, and
Meta's errors. Sends go to a fake Send API over real HTTP (tests/fakes/messaging_graph.py)."""
from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from chatdesk.channels import content
from chatdesk.channels import service as channels
from chatdesk.channels.base import InboundMessageEvent, InboundStatusEvent, InboundWatermarkEvent
from chatdesk.channels.meta.signature import sign
from chatdesk.channels.models import InboundEvent
from chatdesk.channels.registry import adapter_class
from tests.conftest import Stack, payload
from tests.fakes.messaging_graph import FakeMessagingGraph

PAGE = "104729384756102"
PSID = "7012345678901234"
SECRET = "messenger-app-secret"
KIND = "messenger"


def parse(name: str) -> list[Any]:
    return adapter_class(KIND).parse(adapter_class(KIND).__new__(adapter_class(KIND)), payload(name, KIND))


def delivery(event: dict[str, Any], *, page: str = PAGE) -> bytes:
    return json.dumps({"object": "page", "entry": [{"id": page, "time": event.get("timestamp", 0),
                                                    "messaging": [event]}]}).encode()


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def customer_text(mid: str, text: str, when: datetime, **message: Any) -> bytes:
    return delivery({"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": ms(when),
                     "message": {"mid": mid, "text": text, **message}})


class Messenger:
    """chatdesk (no sandbox) with a Messenger page whose Graph API is the fake."""

    def __init__(self, stack: Stack, graph: FakeMessagingGraph, channel_id: int):
        self.stack, self.graph, self.channel_id = stack, graph, channel_id

    async def webhook(self, raw: bytes, *, secret: str = SECRET) -> Any:
        return await self.stack.api.post("/webhooks/messenger", content=raw,
                                         headers={"Content-Type": "application/json",
                                                  "X-Hub-Signature-256": sign(raw, secret)})

    async def conversation(self) -> dict[str, Any]:
        (conv,) = [c for c in await self.stack.conversations() if c["channel"]["id"] == self.channel_id]
        return conv

    async def reply(self, conv_id: int, body: dict[str, Any]) -> Any:
        return await self.stack.api.post(f"/api/v1/conversations/{conv_id}/messages", json=body)

    async def stored(self) -> int:
        async with self.stack.rt.db.reader() as session:
            return (await session.execute(select(func.count()).select_from(InboundEvent)
                                          .where(InboundEvent.kind == KIND))).scalar_one()


@pytest.fixture
async def msgr(bare: Stack) -> AsyncIterator[Messenger]:
    graph = FakeMessagingGraph()
    bare.router.mount("graph.test", graph.app)
    async with bare.rt.db.session() as session:
        channel = await channels.add_channel(
            session, bare.rt.cipher, workspace_id=bare.workspace_id, kind=KIND, external_id=PAGE,
            display="Test Page", config={"graph_url": "http://graph.test"},
            secrets={"access_token": "page-token", "app_secret": SECRET, "verify_token": "ver"},
            now=bare.clock.now())
    yield Messenger(bare, graph, channel.id)


# ----------------------------------------------------------------------------- parsing


def test_every_recorded_payload_parses_into_the_right_event():
    (text,) = parse("messenger_inbound_text.json")
    assert isinstance(text, InboundMessageEvent) and (text.type, text.sender_id) == ("text", PSID)
    assert text.content == content.Text(body="Hi, are you open on Sundays?")
    (quick,) = parse("messenger_quick_reply.json")
    assert quick.type == "quick_reply" and quick.content == content.Button(payload="COLOR_RED", text="Red")
    (postback,) = parse("messenger_postback.json")
    assert postback.type == "postback" and postback.text == "Get Started"
    assert postback.content == content.Button(payload="GET_STARTED", text="Get Started")
    (echo,) = parse("messenger_echo.json")
    assert echo.from_business and echo.sender_id == PSID and echo.text.startswith("Yes, we are open")
    (read,) = parse("messenger_read.json")
    assert isinstance(read, InboundWatermarkEvent) and (read.status, read.recipient_id) == ("read", PSID)
    assert ms(read.up_to) == 1750278300700


def test_attachments_reactions_replies_deliveries_and_the_unknown():
    adapter = adapter_class(KIND).__new__(adapter_class(KIND))
    base = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1750278000000}
    image, doc = adapter.parse(delivery({**base, "message": {"mid": "m_1", "attachments": [
        {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/a.jpg"}},
        {"type": "file", "payload": {"url": "https://scontent.xx.fbcdn.net/b.pdf"}}]}}))
    assert (image.type, image.provider_message_id, image.content.media_to_fetch()) == \
        ("image", "m_1", "https://scontent.xx.fbcdn.net/a.jpg")
    assert (doc.type, doc.provider_message_id) == ("document", "m_1#1")
    (reply,) = adapter.parse(delivery({**base, "message": {"mid": "m_2", "text": "this", "reply_to": {"mid": "m_0"}}}))
    assert reply.reply_to_provider_id == "m_0"
    (react,) = adapter.parse(delivery({**base, "reaction": {"mid": "m_0", "action": "react", "emoji": "❤️",
                                                            "reaction": "love"}}))
    (unreact,) = adapter.parse(delivery({**base, "reaction": {"mid": "m_0", "action": "unreact", "reaction": "love"}}))
    assert (react.type, react.content.emoji, unreact.content.emoji) == ("reaction", "❤️", "")
    assert react.provider_message_id != unreact.provider_message_id
    delivered = adapter.parse(delivery({**base, "delivery": {"mids": ["m_a", "m_b"], "watermark": 1750278000000}}))
    assert [(d.provider_message_id, d.status) for d in delivered] == [("m_a", "delivered"), ("m_b", "delivered")]
    assert all(isinstance(d, InboundStatusEvent) for d in delivered)
    (odd,) = adapter.parse(delivery({**base, "optin": {"ref": "x"}}))
    assert odd.type == "unsupported" and odd.content.original_type == "optin"
    assert adapter.parse(delivery({**base, "optin": {"ref": "x"}}))[0].provider_message_id == odd.provider_message_id


# ----------------------------------------------------------------------------- webhooks


async def test_each_delivery_three_times_shuffled_is_stored_once(msgr):
    names = ["messenger_inbound_text.json", "messenger_quick_reply.json", "messenger_postback.json",
             "messenger_echo.json"]
    bodies = [payload(n, KIND) for n in names] * 3
    random.Random(9).shuffle(bodies)
    for raw in bodies:
        assert (await msgr.webhook(raw)).status_code == 200
    await msgr.stack.drain()
    conv = await msgr.conversation()
    msgs = await msgr.stack.messages(conv["id"])
    assert sorted((m["direction"], m["type"]) for m in msgs) == [
        ("in", "postback"), ("in", "quick_reply"), ("in", "text"), ("out", "text")]
    assert conv["channel"]["kind"] == KIND
    echo = next(m for m in msgs if m["direction"] == "out")
    assert echo["author_type"] == "external" and echo["status"] == "sent"


async def test_a_forged_signature_stores_nothing(msgr):
    resp = await msgr.webhook(payload("messenger_inbound_text.json", KIND), secret="not-the-secret")
    assert resp.status_code == 401
    assert await msgr.stored() == 0


async def test_the_verify_handshake(msgr):
    ok = await msgr.stack.api.get("/webhooks/messenger", params={"hub.mode": "subscribe", "hub.verify_token": "ver",
                                                                  "hub.challenge": "42"})
    bad = await msgr.stack.api.get("/webhooks/messenger", params={"hub.mode": "subscribe",
                                                                   "hub.verify_token": "nope", "hub.challenge": "42"})
    assert (ok.status_code, ok.text, bad.status_code) == (200, "42", 403)


# ----------------------------------------------------------------------------- sending


async def _customer_wrote(msgr: Messenger, days_ago: float) -> dict[str, Any]:
    clock = msgr.stack.clock
    when = clock.now()
    await msgr.webhook(customer_text("m_in1", "hello?", when))
    await msgr.stack.drain()
    clock.advance(days=days_ago)
    return await msgr.conversation()


async def test_a_reply_within_a_day_goes_as_response(msgr):
    conv = await _customer_wrote(msgr, 0.5)
    assert (await msgr.reply(conv["id"], {"type": "text", "text": "Yes!"})).status_code == 202
    await msgr.stack.drain()
    (sent,) = msgr.graph.sends
    assert sent["messaging_type"] == "RESPONSE" and "tag" not in sent
    assert sent["recipient"] == {"id": PSID} and sent["message"]["text"] == "Yes!"
    assert sent["message"]["metadata"].startswith("chatdesk:message:")


async def test_a_reply_at_three_days_goes_with_the_human_agent_tag(msgr):
    conv = await _customer_wrote(msgr, 3)
    assert (await msgr.reply(conv["id"], {"type": "text", "text": "Sorry for the wait"})).status_code == 202
    await msgr.stack.drain()
    (sent,) = msgr.graph.sends
    assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


async def test_a_reply_at_eight_days_is_refused_with_nothing_sent(msgr):
    conv = await _customer_wrote(msgr, 8)
    resp = await msgr.reply(conv["id"], {"type": "text", "text": "Still there?"})
    assert resp.status_code == 422
    problem = resp.json()
    assert problem["code"] == "window_closed"
    assert "last wrote on" in problem["detail"] and "7 days" in problem["detail"]
    await msgr.stack.drain()
    assert msgr.graph.sends == []


async def test_the_echo_of_our_own_send_is_not_stored_twice(msgr):
    conv = await _customer_wrote(msgr, 0)
    await msgr.reply(conv["id"], {"type": "text", "text": "On its way"})
    await msgr.stack.drain()
    (sent,) = msgr.graph.sends
    echo = delivery({"sender": {"id": PAGE}, "recipient": {"id": PSID}, "timestamp": ms(msgr.stack.clock.now()),
                     "message": {"is_echo": True, "app_id": 1, "mid": "m_FAKE1", "text": "On its way",
                                 "metadata": sent["message"]["metadata"]}})
    assert (await msgr.webhook(echo)).status_code == 200
    await msgr.stack.drain()
    outbound = [m for m in await msgr.stack.messages(conv["id"]) if m["direction"] == "out"]
    assert [(m["text"], m["status"]) for m in outbound] == [("On its way", "sent")]


async def test_delivery_and_read_watermarks_move_our_messages_forward(msgr):
    conv = await _customer_wrote(msgr, 0)
    await msgr.reply(conv["id"], {"type": "text", "text": "one"})
    await msgr.stack.drain()
    msgr.stack.clock.advance(seconds=5)
    when = ms(msgr.stack.clock.now())
    base = {"sender": {"id": PSID}, "recipient": {"id": PAGE}}
    await msgr.webhook(delivery({**base, "timestamp": when, "delivery": {"watermark": when}}))
    await msgr.stack.drain()
    assert [m["status"] for m in await msgr.stack.messages(conv["id"]) if m["direction"] == "out"] == ["delivered"]
    await msgr.webhook(delivery({**base, "timestamp": when + 1, "read": {"watermark": when + 1}}))
    await msgr.webhook(delivery({**base, "timestamp": when + 2, "delivery": {"mids": ["m_FAKE1"], "watermark": 0}}))
    await msgr.stack.drain()
    assert [m["status"] for m in await msgr.stack.messages(conv["id"]) if m["direction"] == "out"] == ["read"]


async def test_quick_replies_and_buttons_within_the_limits(msgr):
    conv = await _customer_wrote(msgr, 0)
    choices = [{"id": f"C{i}", "title": f"Option {i}"} for i in range(14)]
    too_many = await msgr.reply(conv["id"], {"type": "quick_replies", "text": "Pick", "quick_replies": choices})
    assert too_many.status_code == 422 and too_many.json()["code"] == "interactive_invalid"
    assert [e["field"] for e in too_many.json()["errors"]] == ["quick_replies"]
    long = await msgr.reply(conv["id"], {"type": "buttons", "text": "Pick",
                                         "buttons": [{"id": "A", "title": "x" * 21}]})
    assert long.status_code == 422 and [e["field"] for e in long.json()["errors"]] == ["buttons[0].title"]
    ok = await msgr.reply(conv["id"], {"type": "quick_replies", "text": "Pick", "quick_replies": choices[:13]})
    assert ok.status_code == 202
    buttons = await msgr.reply(conv["id"], {"type": "buttons", "text": "Or", "buttons": choices[:3]})
    assert buttons.status_code == 202
    await msgr.stack.drain()
    quick, template = msgr.graph.sends
    assert len(quick["message"]["quick_replies"]) == 13
    assert quick["message"]["quick_replies"][0] == {"content_type": "text", "title": "Option 0", "payload": "C0"}
    payload_ = template["message"]["attachment"]["payload"]
    assert payload_["template_type"] == "button" and len(payload_["buttons"]) == 3


async def test_meta_s_errors_are_explained_and_retried_only_when_it_helps(msgr):
    conv = await _customer_wrote(msgr, 0)
    msgr.graph.refuse_next(551, "This person isn't available right now.", subcode=1545041)
    await msgr.reply(conv["id"], {"type": "text", "text": "hello"})
    await msgr.stack.drain()
    (failed,) = [m for m in await msgr.stack.messages(conv["id"]) if m["direction"] == "out"]
    assert failed["status"] == "failed" and "isn't available" in failed["error"]["detail"]
    assert msgr.graph.sends == []
    msgr.graph.refuse_next(613, "Calls to this api have exceeded the rate limit.")
    await msgr.reply(conv["id"], {"type": "text", "text": "again"})
    await msgr.stack.drain()
    msgr.stack.clock.advance(seconds=30)
    await msgr.stack.drain()
    assert [s["message"]["text"] for s in msgr.graph.sends] == ["again"]


async def test_media_is_fetched_into_the_media_store_at_once(msgr):
    when = msgr.stack.clock.now()
    raw = delivery({"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": ms(when),
                    "message": {"mid": "m_img", "attachments": [
                        {"type": "image", "payload": {"url": "http://graph.test/cdn/photo.png"}}]}})
    await msgr.webhook(raw)
    await msgr.stack.drain()
    conv = await msgr.conversation()
    (image,) = await msgr.stack.messages(conv["id"])
    assert image["type"] == "image", image
    assert (image["content"]["mime_type"], image["content"]["size"]) == ("image/png", 72)  # in the media store


# ----------------------------------------------------------------------------- the window, pure


@pytest.mark.parametrize(("hours", "open_", "tag"), [(1, True, False), (23.9, True, False), (24, True, True),
                                                     (72, True, True), (167.9, True, True), (168, False, True)])
def test_the_reply_window_follows_messenger_s_rule(hours, open_, tag):
    from datetime import UTC, timedelta

    from chatdesk.conversations import policy

    caps = adapter_class(KIND).capabilities
    last = datetime(2026, 11, 1, 12, tzinfo=UTC)
    now = last + timedelta(hours=hours)
    assert policy.window_open(caps, last, now) is open_
    assert policy.needs_human_agent(caps, last, now) is tag
    assert policy.window_closes_at(caps, last) == last + timedelta(days=7)
    refusal = policy.check_outbound(caps, type="text", text="hi", last_inbound_at=last, now=now)
    assert (refusal is None) is open_
    if refusal:
        assert refusal.code == "window_closed" and "2026-11-01 12:00 UTC" in refusal.detail


async def test_the_customer_s_name_and_picture_come_from_the_graph_api_once_a_week(msgr):
    await msgr.webhook(customer_text("m_p1", "hi", msgr.stack.clock.now()))
    await msgr.stack.drain()
    conv = await msgr.conversation()
    assert conv["contact"]["name"] == "Alex Doe"
    from chatdesk.contacts.models import Contact
    async with msgr.stack.rt.db.reader() as session:
        contact = await session.get(Contact, conv["contact"]["id"])
    assert contact.avatar and msgr.stack.rt.settings.media_dir  # the picture is in the media store
    msgr.stack.clock.advance(days=1)
    await msgr.webhook(customer_text("m_p2", "again", msgr.stack.clock.now()))
    await msgr.stack.drain()
    assert msgr.graph.lookups.count(PSID) == 1  # not again within the week
    msgr.stack.clock.advance(days=7)
    await msgr.webhook(customer_text("m_p3", "a week on", msgr.stack.clock.now()))
    await msgr.stack.drain()
    assert msgr.graph.lookups.count(PSID) == 2
