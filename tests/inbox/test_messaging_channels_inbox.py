"""Messenger and Instagram conversations in the inbox: the channel's icon (inline SVG) and name
in the list, the header and the contact panel; stories shown with their media; the chosen option
of a quick reply or postback; the reply window chip after 24 hours (human agent until 7 days)."""
from __future__ import annotations

import json
from typing import Any

from chatdesk.channels import service as channels
from chatdesk.channels.meta.signature import sign
from tests.conftest import Stack, settle
from tests.fakes.messaging_graph import FakeMessagingGraph
from tests.inbox.conftest import Browser

WS = "/w/test-shop"
PAGE, PSID = "104729384756102", "7012345678901234"
ACCOUNT, IGSID = "17841400000000001", "6543210987654321"


async def _connect(stack: Stack, kind: str, external_id: str, name: str) -> None:
    stack.router.mount("graph.test", FakeMessagingGraph().app)
    async with stack.rt.db.session() as session:
        await channels.add_channel(session, stack.rt.cipher, workspace_id=stack.workspace_id, kind=kind,
                                   external_id=external_id, display=name, name=name,
                                   config={"graph_url": "http://graph.test"},
                                   secrets={"access_token": "t", "app_secret": f"{kind}-secret", "verify_token": "v"},
                                   now=stack.clock.now())


async def _deliver(stack: Stack, kind: str, account: str, customer: str, message: dict[str, Any]) -> int:
    raw = json.dumps({"object": "page" if kind == "messenger" else kind, "entry": [{
        "id": account, "time": 1, "messaging": [{"sender": {"id": customer}, "recipient": {"id": account},
                                                 "timestamp": int(stack.clock.now().timestamp() * 1000),
                                                 **message}]}]}).encode()
    resp = await stack.api.post(f"/webhooks/{kind}", content=raw, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, f"{kind}-secret")})
    assert resp.status_code == 200, resp.text

    async def found() -> int | None:
        convs = [c for c in await stack.conversations() if c["channel"]["kind"] == kind]
        return convs[0]["id"] if convs else None
    return await settle(found)


async def test_a_messenger_conversation_shows_its_channel_and_the_chosen_option(stack: Stack, owner: Browser):
    await _connect(stack, "messenger", PAGE, "Shop Page")
    cid = await _deliver(stack, "messenger", PAGE, PSID, {"postback": {"mid": "m_pb", "title": "Get Started",
                                                                       "payload": "GET_STARTED"}})
    await settle(lambda: _has_messages(stack, cid, 1))
    page = (await owner.get(f"{WS}/c/{cid}")).text
    assert page.count('class="chan-icon"') >= 3  # list, header, contact panel
    assert "Shop Page" in page and 'id="contact-channel"' in page and "Messenger" in page
    assert "Chose" in page and "Get Started" in page


async def test_the_reply_window_chip_follows_the_human_agent_rule(stack: Stack, owner: Browser):
    await _connect(stack, "messenger", PAGE, "Shop Page")
    cid = await _deliver(stack, "messenger", PAGE, PSID, {"message": {"mid": "m_1", "text": "hello"}})
    stack.clock.advance(days=3)
    window = (await owner.get(f"{WS}/c/{cid}/window")).text
    assert 'data-open="true"' in window and "window-human-agent" in window
    stack.clock.advance(days=5)
    window = (await owner.get(f"{WS}/c/{cid}/window")).text
    assert 'data-open="false"' in window and "Nothing can reach the customer" in window


async def test_an_instagram_story_mention_is_shown_with_the_story(stack: Stack, owner: Browser):
    await _connect(stack, "instagram", ACCOUNT, "@shop")
    cid = await _deliver(stack, "instagram", ACCOUNT, IGSID, {"message": {"mid": "ig_s", "attachments": [
        {"type": "story_mention", "payload": {"url": "http://graph.test/cdn/story.png"}}]}})
    (story,) = await settle(lambda: _fetched(stack, cid))
    page = (await owner.get(f"{WS}/c/{cid}")).text
    assert "Story mention" in page and f"/media/{story['id']}" in page and "Instagram" in page
    media = await owner.get(f"{WS}/media/{story['id']}")
    assert media.status_code == 200 and media.headers["content-type"] == "image/png"


async def _has_messages(stack: Stack, cid: int, n: int) -> bool:
    return len(await stack.messages(cid)) >= n


async def _fetched(stack: Stack, cid: int) -> list[dict[str, Any]] | None:
    msgs = await stack.messages(cid)
    return msgs if msgs and msgs[0]["content"].get("size") else None


async def test_the_customer_s_picture_is_their_avatar_served_from_chatdesk(stack: Stack, owner: Browser):
    await _connect(stack, "messenger", PAGE, "Shop Page")
    cid = await _deliver(stack, "messenger", PAGE, PSID, {"message": {"mid": "m_1", "text": "hello"}})
    conv = await settle(lambda: _named(stack, "Alex Doe"))
    page = (await owner.get(f"{WS}/c/{cid}")).text
    src = f"{WS}/contacts/{conv['contact']['id']}/avatar"
    assert f'src="{src}"' in page and "graph.test/cdn" not in page  # stored, not hot-linked
    picture = await owner.get(src)
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")


async def _named(stack: Stack, name: str) -> dict[str, Any] | None:
    convs = [c for c in await stack.conversations() if c["contact"]["name"] == name]
    return convs[0] if convs else None
