"""The visitor API: sessions, messages into conversations, replies back, origins refused."""
from __future__ import annotations

from chatdesk.widget import tokens
from tests.conftest import settle

from .conftest import KEY, SECRET, SITE, Widget


async def test_a_visitor_message_becomes_a_conversation_and_the_reply_comes_back(webchat, visitor):
    assert (await visitor.start()).json()["verified"] is False
    assert (await visitor.say("Hello <b>there</b>", name="Ann")).status_code == 202
    convs = await settle(lambda: webchat.conversations())
    (conv,) = convs
    assert conv["channel"]["id"] == webchat.webchat_id and conv["contact"]["name"] == "Ann"
    resp = await webchat.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                  json={"type": "text", "text": "Hi Ann"})
    assert resp.status_code in (200, 201, 202), resp.text
    shown = await settle(lambda: _replied(visitor))
    assert [m["text"] for m in shown] == ["Hello <b>there</b>", "Hi Ann"]
    reply = shown[-1]
    assert reply["direction"] == "out" and reply["ref"].startswith("wco_")


async def _replied(visitor: Widget):
    items = await visitor.history()
    return items if len(items) == 2 else None


async def test_receipts_move_a_reply_to_delivered_then_read(webchat, visitor):
    await visitor.start()
    await visitor.say("Hello")
    (conv,) = await settle(lambda: webchat.conversations())
    await webchat.api.post(f"/api/v1/conversations/{conv['id']}/messages", json={"type": "text", "text": "Hi"})
    reply = (await settle(lambda: _replied(visitor)))[-1]
    for status in ("delivered", "read"):
        resp = await visitor.http.post(f"/widget/{KEY}/receipts", json={"refs": [reply["ref"]], "status": status},
                                       headers=visitor.headers())
        assert resp.json() == {"accepted": 1}

        async def reached(s=status):
            return [m for m in await webchat.messages(conv["id"]) if m["direction"] == "out" and m["status"] == s]
        await settle(reached)


async def test_a_stranger_cannot_confirm_someone_else_s_reply(webchat, visitor):
    await visitor.start()
    await visitor.say("Hello")
    (conv,) = await settle(lambda: webchat.conversations())
    await webchat.api.post(f"/api/v1/conversations/{conv['id']}/messages", json={"type": "text", "text": "Hi"})
    reply = (await settle(lambda: _replied(visitor)))[-1]
    other = Widget(webchat)
    await other.start()
    resp = await other.http.post(f"/widget/{KEY}/receipts", json={"refs": [reply["ref"]], "status": "read"},
                                 headers=other.headers())
    assert resp.json() == {"accepted": 0}
    assert await other.history() == []
    await other.http.aclose()


async def test_the_token_resumes_the_same_visitor(webchat, visitor):
    await visitor.start()
    first = visitor.token
    await visitor.say("one")
    await settle(lambda: visitor.history())
    await visitor.start()  # a reload: the token from localStorage
    assert visitor.token == first
    assert [m["text"] for m in await visitor.history()] == ["one"]


async def test_other_origins_get_403_without_cors_headers(webchat, visitor):
    stranger = Widget(webchat, origin="https://evil.example")
    resp = await stranger.start()
    assert resp.status_code == 403 and resp.json()["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in resp.headers
    pre = await stranger.http.options(f"/widget/{KEY}/session", headers={"Access-Control-Request-Method": "POST"})
    assert pre.status_code == 403 and "access-control-allow-origin" not in pre.headers
    no_origin = await webchat.api.post(f"/widget/{KEY}/session", json={})
    assert no_origin.status_code == 403
    await stranger.http.aclose()
    ok = await visitor.start()
    assert ok.headers["access-control-allow-origin"] == SITE
    pre = await visitor.http.options(f"/widget/{KEY}/messages", headers={"Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == SITE
    assert "x-visitor-token" in pre.headers["access-control-allow-headers"]


async def test_problems_for_allowed_origins_carry_cors_so_the_widget_can_read_them(webchat, visitor):
    await visitor.start()
    resp = await visitor.say("x" * 5000)
    assert resp.status_code == 422 and resp.headers["access-control-allow-origin"] == SITE
    assert resp.json()["code"] == "invalid_request"


async def test_a_forged_token_is_refused(webchat, visitor):
    visitor.token = tokens.issue("another secret", tokens.Visitor("v_someone", False))
    resp = await visitor.say("hi")
    assert resp.status_code == 401 and resp.json()["code"] == "invalid_visitor_token"


async def test_the_webhook_door_accepts_no_visitor_messages(webchat):
    from tests.conftest import PAYLOADS
    body = (PAYLOADS / "webchat" / "wc_message.json").read_bytes()
    resp = await webchat.api.post("/webhooks/webchat", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 401
    assert await webchat.conversations() == []


async def test_the_script_is_served_with_its_config_and_escaped(webchat):
    resp = await webchat.api.get(f"/widget/{KEY}.js")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/javascript")
    assert SITE in resp.text and "/*CONFIG*/null" not in resp.text
    assert (await webchat.api.get("/widget/wc_nosuchkey.js")).status_code == 404
    assert SECRET not in resp.text


async def test_the_visitor_typing_is_told_live_to_the_agents_of_that_conversation(webchat, visitor):
    import asyncio

    await visitor.start()
    async with webchat.rt.bus.subscription(webchat.workspace_id) as sub:
        # before the visitor has a conversation there is no one to tell
        assert (await visitor.http.post(f"/widget/{KEY}/typing", headers=visitor.headers())).status_code == 204
        assert (await visitor.say("Is this in stock?", name="Tess")).status_code == 202
        (conv,) = await settle(lambda: webchat.conversations())
        assert (await visitor.http.post(f"/widget/{KEY}/typing", headers=visitor.headers())).status_code == 204
        seen: list[dict] = []
        while not any(e["type"] == "conversation.visitor_typing" for e in seen):
            seen.append(await asyncio.wait_for(sub.get(), 20))
    typing = [e for e in seen if e["type"] == "conversation.visitor_typing"]
    assert typing == [{"type": "conversation.visitor_typing", "conversation_id": conv["id"]}]
    # a stranger without a visitor token is refused, and tells no one
    assert (await visitor.http.post(f"/widget/{KEY}/typing")).status_code in (401, 403)
