"""The Instagram channel inside chatdesk: the recorded payloads (text, story mention, story reply)
parsed and stored once, the story's media fetched at once, shares and echoes, and replies under
Instagram's rules (1,000 characters, images, quick replies, the 24 h / human-agent window).
Sends go to the fake Send API over real HTTP (tests/fakes/messaging_graph.py)."""
from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from chatdesk.channels import content
from chatdesk.channels import service as channels
from chatdesk.channels.meta.signature import sign
from chatdesk.channels.registry import adapter_class
from tests.conftest import Stack, payload
from tests.fakes.messaging_graph import FakeMessagingGraph

ACCOUNT = "17841400000000001"
IGSID = "6543210987654321"
SECRET = "instagram-app-secret"
KIND = "instagram"
NAMES = ["instagram_inbound_text.json", "instagram_story_mention.json", "instagram_story_reply.json"]


def parse(raw: bytes) -> list[Any]:
    cls = adapter_class(KIND)
    return cls.parse(cls.__new__(cls), raw)


def delivery(event: dict[str, Any]) -> bytes:
    return json.dumps({"object": "instagram", "entry": [{"id": ACCOUNT, "time": event["timestamp"],
                                                         "messaging": [event]}]}).encode()


def from_customer(when: datetime, message: dict[str, Any]) -> bytes:
    return delivery({"sender": {"id": IGSID}, "recipient": {"id": ACCOUNT}, "timestamp": int(when.timestamp() * 1000),
                     "message": message})


class Instagram:
    def __init__(self, stack: Stack, graph: FakeMessagingGraph):
        self.stack, self.graph = stack, graph

    async def webhook(self, raw: bytes, *, secret: str = SECRET) -> Any:
        return await self.stack.api.post("/webhooks/instagram", content=raw, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, secret)})

    async def conversation(self) -> dict[str, Any]:
        (conv,) = [c for c in await self.stack.conversations() if c["channel"]["kind"] == KIND]
        return conv

    async def reply(self, conv_id: int, body: dict[str, Any]) -> Any:
        return await self.stack.api.post(f"/api/v1/conversations/{conv_id}/messages", json=body)


@pytest.fixture
async def ig(bare: Stack) -> AsyncIterator[Instagram]:
    graph = FakeMessagingGraph()
    bare.router.mount("graph.test", graph.app)
    async with bare.rt.db.session() as session:
        await channels.add_channel(session, bare.rt.cipher, workspace_id=bare.workspace_id, kind=KIND,
                                   external_id=ACCOUNT, display="@shop", config={"graph_url": "http://graph.test"},
                                   secrets={"access_token": "ig-token", "app_secret": SECRET, "verify_token": "v"},
                                   now=bare.clock.now())
    yield Instagram(bare, graph)


def test_every_recorded_payload_parses_into_the_right_message():
    (text,) = parse(payload(NAMES[0], KIND))
    assert (text.type, text.sender_id, text.text) == ("text", IGSID, "Hey! Is the linen shirt still in stock?")
    (mention,) = parse(payload(NAMES[1], KIND))
    assert mention.type == "story_mention" and isinstance(mention.content, content.Story)
    assert mention.content.kind == "mention" and mention.content.media_to_fetch().startswith("https://lookaside")
    (reply,) = parse(payload(NAMES[2], KIND))
    assert (reply.type, reply.text) == ("story_reply", "Love this color! Price?")
    assert (reply.content.kind, reply.content.story_id) == ("reply", "17999999999999999")


def test_shares_seen_echoes_and_the_unknown():
    when = datetime(2026, 11, 1)
    (share,) = parse(from_customer(when, {"mid": "ig_1", "attachments": [
        {"type": "share", "payload": {"url": "https://lookaside.fbsbx.com/post"}}]}))
    assert share.type == "share" and share.content.url == "https://lookaside.fbsbx.com/post"
    (seen,) = parse(delivery({"sender": {"id": IGSID}, "recipient": {"id": ACCOUNT}, "timestamp": 1750278500000,
                              "read": {"mid": "ig_ours"}}))
    assert (seen.status, seen.provider_message_id) == ("read", "ig_ours")
    (echo,) = parse(delivery({"sender": {"id": ACCOUNT}, "recipient": {"id": IGSID}, "timestamp": 1750278500000,
                              "message": {"mid": "ig_2", "is_echo": True, "text": "from the app"}}))
    assert echo.from_business and echo.sender_id == IGSID
    (odd,) = parse(from_customer(when, {"mid": "ig_3", "is_unsupported": True}))
    assert odd.type == "unsupported"


async def test_each_delivery_three_times_shuffled_is_stored_once_with_the_story(ig):
    bodies = [payload(n, KIND) for n in NAMES] * 3
    random.Random(3).shuffle(bodies)
    for raw in bodies:
        assert (await ig.webhook(raw)).status_code == 200
    await ig.stack.drain()
    conv = await ig.conversation()
    msgs = await ig.stack.messages(conv["id"])
    assert sorted(m["type"] for m in msgs) == ["story_mention", "story_reply", "text"]
    assert conv["channel"]["kind"] == KIND


async def test_the_story_s_media_is_fetched_at_once(ig):
    await ig.webhook(from_customer(ig.stack.clock.now(), {"mid": "ig_m", "attachments": [
        {"type": "story_mention", "payload": {"url": "http://graph.test/cdn/story.png"}}]}))
    await ig.stack.drain()
    (story,) = await ig.stack.messages((await ig.conversation())["id"])
    assert story["content"]["kind"] == "mention"
    assert (story["content"]["mime_type"], story["content"]["size"]) == ("image/png", 72)


async def test_a_forged_signature_stores_nothing(ig):
    assert (await ig.webhook(payload(NAMES[0], KIND), secret="forged")).status_code == 401
    await ig.stack.drain()
    assert await ig.stack.conversations() == []


async def _wrote(ig: Instagram, days: float) -> dict[str, Any]:
    await ig.webhook(from_customer(ig.stack.clock.now(), {"mid": "ig_in", "text": "hi"}))
    await ig.stack.drain()
    ig.stack.clock.advance(days=days)
    return await ig.conversation()


async def test_replies_follow_instagram_s_rules(ig):
    conv = await _wrote(ig, 3)
    too_long = await ig.reply(conv["id"], {"type": "text", "text": "x" * 1001})
    assert too_long.json()["code"] == "text_too_long"
    buttons = await ig.reply(conv["id"], {"type": "buttons", "text": "?", "buttons": [{"id": "a", "title": "A"}]})
    assert buttons.status_code == 422 and buttons.json()["code"] == "interactive_invalid"
    assert [e["field"] for e in buttons.json()["errors"]] == ["type"]  # text quick replies only on Instagram
    assert (await ig.reply(conv["id"], {"type": "quick_replies", "text": "Size?",
                                        "quick_replies": [{"id": "S", "title": "Small"}]})).status_code == 202
    await ig.stack.drain()
    (sent,) = ig.graph.sends
    assert (sent["messaging_type"], sent["tag"], sent["recipient"]) == ("MESSAGE_TAG", "HUMAN_AGENT", {"id": IGSID})
    assert sent["message"]["quick_replies"] == [{"content_type": "text", "title": "Small", "payload": "S"}]


async def test_a_reply_at_eight_days_is_refused_with_nothing_sent(ig):
    conv = await _wrote(ig, 8)
    resp = await ig.reply(conv["id"], {"type": "text", "text": "hello?"})
    assert resp.status_code == 422 and resp.json()["code"] == "window_closed"
    await ig.stack.drain()
    assert ig.graph.sends == []
