"""Messenger and Instagram webhooks: signed with the account's app secret, shaped like the
conformance payloads, echo / delivery / read after a send, and the verify handshake."""
from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest

from chatdesk.sandbox.config import SocialAccount
from tests.sandbox.sandbox_helpers import SECRET, Harness, Receiver, wait_for
from tests.sandbox.social_helpers import (
    IG,
    IG_TOKEN,
    PAGE,
    SOCIAL_URLS,
    add_user,
    bodies,
    events,
    fixture,
    send,
    shape,
    text,
    user_says,
)


def _event_shape(name: str) -> object:
    return shape(fixture(name))


async def _one(hs: Harness, obj: str, count: int = 1) -> list[dict]:
    return await wait_for(lambda: len(bodies(hs, obj)) >= count and bodies(hs, obj))


@pytest.mark.parametrize(("platform", "spec", "name"), [
    ("messenger", {"type": "text", "text": "Hi, are you open on Sundays?"},
     "messenger_inbound_text.json"),
    ("messenger", {"type": "quick_reply", "title": "Red", "payload": "COLOR_RED"},
     "messenger_quick_reply.json"),
    ("messenger", {"type": "postback", "title": "Get Started", "payload": "GET_STARTED"},
     "messenger_postback.json"),
    ("instagram", {"type": "text", "text": "Hey!"}, "instagram_inbound_text.json"),
    ("instagram", {"type": "story_mention"}, "instagram_story_mention.json"),
    ("instagram", {"type": "story_reply", "text": "Love this color! Price?"},
     "instagram_story_reply.json"),
])
async def test_customer_events_are_shaped_like_the_fixtures(hs: Harness, platform, spec, name):
    user = await add_user(hs, platform)
    answer = await user_says(hs, platform, user["id"], **spec)
    body = (await _one(hs, "page" if platform == "messenger" else "instagram"))[0]
    assert body == answer["webhook"]
    assert shape(body) == _event_shape(name)
    item = body["entry"][0]["messaging"][0]
    assert item["sender"]["id"] == user["id"]
    assert body["entry"][0]["id"] == (PAGE if platform == "messenger" else IG)


async def test_attachments_point_at_files_the_sandbox_serves(hs: Harness):
    user = await add_user(hs)
    answer = await user_says(hs, "messenger", user["id"], type="image")
    attachment = answer["webhook"]["entry"][0]["messaging"][0]["message"]["attachments"][0]
    assert attachment["type"] == "image"
    picture = await hs.http.get(attachment["payload"]["url"])
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")


async def test_reactions_react_and_unreact(hs: Harness):
    user = await add_user(hs)
    await user_says(hs, "messenger", user["id"], type="text", text="Hi")
    sent = (await send(hs, text(user["id"]))).json()
    react = await user_says(hs, "messenger", user["id"], type="reaction", emoji="❤️")
    assert react["webhook"]["entry"][0]["messaging"][0]["reaction"] == {
        "reaction": "love", "emoji": "❤️", "action": "react", "mid": sent["message_id"]}
    unreact = await user_says(hs, "messenger", user["id"], type="reaction", action="unreact")
    assert unreact["webhook"]["entry"][0]["messaging"][0]["reaction"] == {
        "mid": sent["message_id"], "action": "unreact"}


async def test_story_events_are_instagram_only(hs: Harness):
    user = await add_user(hs)
    response = await hs.http.post(f"/_sandbox/messenger/users/{user['id']}/messages",
                                  json={"type": "story_mention"})
    assert response.status_code == 400


async def test_echo_then_delivery_then_read_after_a_messenger_send(hs: Harness):
    user = await add_user(hs)
    await user_says(hs, "messenger", user["id"], type="text", text="Hi")
    body = text(user["id"], "Yes, we are open.")
    body["message"]["metadata"] = "agent:42"
    mid = (await send(hs, body)).json()["message_id"]
    await wait_for(lambda: len(events(hs, "page")) >= 4)
    echo, delivery, read = events(hs, "page")[1:4]
    assert shape(echo) == shape(fixture("messenger_echo.json")["entry"][0]["messaging"][0])
    assert echo["message"]["is_echo"] is True and echo["message"]["mid"] == mid
    assert echo["message"]["metadata"] == "agent:42"
    assert echo["sender"]["id"] == PAGE and echo["recipient"]["id"] == user["id"]
    assert delivery["delivery"]["mids"] == [mid]
    assert isinstance(delivery["delivery"]["watermark"], int)
    assert shape(read) == shape(fixture("messenger_read.json")["entry"][0]["messaging"][0])
    assert read["read"]["watermark"] >= delivery["delivery"]["watermark"]
    sent = (await hs.http.get("/_sandbox/sent?platform=messenger")).json()["sent"][0]
    assert [s["status"] for s in sent["statuses"]] == ["echo", "delivery", "read"]


async def test_instagram_read_names_the_mid_and_has_no_delivery(hs: Harness):
    user = await add_user(hs, "instagram")
    await user_says(hs, "instagram", user["id"], type="text", text="Hi")
    mid = (await send(hs, text(user["id"]), account=IG, token=IG_TOKEN)).json()["message_id"]
    await wait_for(lambda: len(events(hs, "instagram")) >= 3)
    kinds = [next(k for k in ("message", "delivery", "read") if k in e)
             for e in events(hs, "instagram")]
    assert kinds == ["message", "message", "read"]
    assert events(hs, "instagram")[2]["read"] == {"mid": mid}


async def test_no_read_for_users_without_read_receipts(hs: Harness):
    user = await add_user(hs, read_receipts=False)
    await user_says(hs, "messenger", user["id"], type="text", text="Hi")
    await send(hs, text(user["id"]))
    await wait_for(lambda: len(events(hs, "page")) >= 3)
    await wait_for(lambda: not hs.sandbox.social.receipts.tasks)   # the receipts are over
    assert not any("read" in e for e in events(hs, "page"))


async def test_webhooks_are_signed_with_the_accounts_app_secret(make_harness):
    h = await make_harness(**SOCIAL_URLS, social_accounts=[
        SocialAccount("messenger", PAGE, app_secret="page-app-secret")])
    h.receiver.secret = b"page-app-secret"
    user = await add_user(h)
    await user_says(h, "messenger", user["id"], type="text", text="Hi")
    await wait_for(lambda: h.receiver.attempts)
    status, raw, headers = h.receiver.attempts[0]
    assert status == 200
    expected = hmac.new(b"page-app-secret", raw, hashlib.sha256).hexdigest()
    assert headers["x-hub-signature-256"] == f"sha256={expected}"


async def test_each_platform_goes_to_its_own_url_after_the_handshake(make_harness):
    seen: list[str] = []
    receiver = Receiver(SECRET)

    async def app(scope, receive, send_):
        seen.append(f"{scope['method']} {scope['path']}")
        await receiver(scope, receive, send_)

    h = await make_harness(**SOCIAL_URLS)
    h.sandbox.social.hooks["messenger"]._client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app))
    await h.http.post("/_sandbox/messenger/webhook",
                      json={"url": "http://chatdesk.test/webhooks/messenger"})
    user = await add_user(h)
    await user_says(h, "messenger", user["id"], type="text", text="Hi")
    await wait_for(lambda: receiver.bodies)
    assert seen == ["GET /webhooks/messenger", "POST /webhooks/messenger"]
    target = (await h.http.get("/_sandbox/messenger/webhook")).json()
    assert target["state"] == "verified"
    await h.sandbox.social.hooks["messenger"]._client.aclose()


async def test_without_a_url_platform_webhooks_are_refused(h: Harness):
    user = await add_user(h)
    await user_says(h, "messenger", user["id"], type="text", text="Hi")
    deliveries = await wait_for(lambda: [
        d for d in h.sandbox.social.hooks["messenger"].log if d.state == "refused"])
    assert deliveries and h.receiver.bodies == []
    listed = (await h.http.get("/_sandbox/deliveries?platform=messenger")).json()["deliveries"]
    assert listed[0]["state"] == "refused"
