"""Notifications (issue 16): made from the domain events by the fan-out, read by the bell and
the REST API; @mentions in notes; the agent's own page (profile, language, password)."""
from __future__ import annotations

from sqlalchemy import select

from chatdesk.accounts.models import BrowserSession, User
from chatdesk.notifications import fanout
from chatdesk.notifications.models import Notification
from tests.inbox.conftest import PASSWORD, Browser, add_member, conversation_of

WS = "/w/test-shop"


async def fan_out(stack) -> int:
    async with stack.rt.db.session() as session:
        return await fanout.run(session, stack.clock.now())


async def notifications_of(stack, user_id: int) -> list[Notification]:
    async with stack.rt.db.reader() as session:
        return list((await session.execute(select(Notification).where(Notification.user_id == user_id)
                                           .order_by(Notification.id))).scalars())


async def signed_in(stack, email: str, password: str = PASSWORD) -> Browser:
    browser = Browser(stack)
    assert (await browser.login(email, password)).status_code == 303
    await browser.get(f"{WS}/")
    return browser


async def test_assigning_to_another_agent_notifies_them_not_the_one_who_assigned(stack, owner):
    bea = await add_member(stack, stack.workspace_id, "bea@test.shop", name="Bea Agent")
    await fan_out(stack)  # the first run places the cursor at the newest event: history is not notified
    cid = await conversation_of(stack, "31611110001", name="Ann Klant")
    await fan_out(stack)  # new and unassigned: every member is told
    await owner.post(f"{WS}/c/{cid}/assign", {"assignee": "me"})
    await owner.post(f"{WS}/c/{cid}/assign", {"assignee": str(bea)})
    await fan_out(stack)
    assigned = [n for n in await notifications_of(stack, bea) if n.kind == "assigned"]
    assert [(n.conversation_id, n.read_at) for n in assigned] == [(cid, None)]
    owner_id = assigned[0].actor_id
    assert [n.kind for n in await notifications_of(stack, owner_id)] == ["new_conversation"]  # not its own assign
    assert await fan_out(stack) == 0  # a run again adds nothing
    assert len(await notifications_of(stack, bea)) == 2  # new conversation + assigned


async def test_a_mention_in_a_note_notifies_the_mentioned_agent_and_is_highlighted(stack, owner):
    bea = await add_member(stack, stack.workspace_id, "bea@test.shop", name="Bea Agent")
    await fan_out(stack)
    cid = await conversation_of(stack, "31611110002", name="Bo Klant")
    note = await owner.post(f"{WS}/c/{cid}/messages", {"text": "@Bea Agent can you call?", "mode": "note",
                                                      "mentions": f"{bea},999999"})
    assert '<mark class="mention">@Bea Agent</mark>' in note.text
    await fan_out(stack)
    mentions = [n for n in await notifications_of(stack, bea) if n.kind == "mention"]
    assert len(mentions) == 1 and mentions[0].message_id is not None


async def test_preferences_choose_the_kinds_and_the_bell_lists_and_marks_read(stack, owner):
    bea = await add_member(stack, stack.workspace_id, "bea@test.shop", name="Bea Agent")
    await fan_out(stack)
    b = await signed_in(stack, "bea@test.shop")
    resp = await b.client.patch("/api/v1/me", json={"notify_kinds": ["assigned"]}, headers={"X-CSRF-Token": b.csrf})
    assert resp.status_code == 200 and resp.json()["notify_kinds"] == ["assigned"]
    cid = await conversation_of(stack, "31611110003", name="Cas Klant")
    await owner.post(f"{WS}/c/{cid}/assign", {"assignee": str(bea)})
    await fan_out(stack)
    assert [n.kind for n in await notifications_of(stack, bea)] == ["assigned"]  # no new_conversation
    state = (await b.get(f"{WS}/notifications/state")).json()
    assert state["unread"] == 1
    assert state["latest"]["text"] == "Olivia Owner assigned you the conversation with Cas Klant"
    listed = (await b.client.get("/api/v1/notifications")).json()
    assert [(n["kind"], n["read"], n["actor_name"]) for n in listed] == [("assigned", False, "Olivia Owner")]
    opened = await b.client.get(state["latest"]["url"])
    assert opened.status_code == 303 and opened.headers["location"].endswith(f"/c/{cid}")
    assert (await b.get(f"{WS}/notifications/state")).json() == {"unread": 0, "latest": None}
    await b.aclose()


async def test_another_agents_notification_is_not_readable(stack, owner):
    bea = await add_member(stack, stack.workspace_id, "bea@test.shop", name="Bea Agent")
    await fan_out(stack)
    cid = await conversation_of(stack, "31611110004", name="Dex Klant")
    await owner.post(f"{WS}/c/{cid}/assign", {"assignee": str(bea)})
    await fan_out(stack)
    theirs = (await notifications_of(stack, bea))[-1]
    resp = await owner.client.post("/api/v1/notifications/read", json={"ids": [theirs.id]},
                                   headers={"X-CSRF-Token": owner.csrf})
    assert resp.json() == {"marked": 0}
    assert (await notifications_of(stack, bea))[-1].read_at is None
    assert (await owner.client.get(f"{WS}/notifications/{theirs.id}")).status_code == 404


async def test_the_me_api_needs_a_signed_in_agent(stack):
    anonymous = Browser(stack)
    resp = await anonymous.client.get("/api/v1/me")
    assert resp.status_code == 401 and resp.headers["content-type"].startswith("application/problem+json")
    await anonymous.aclose()


async def test_me_page_changes_name_colour_and_language(stack, owner):
    page = await owner.get(f"{WS}/me")
    assert page.status_code == 200 and 'value="Olivia Owner"' in page.text
    resp = await owner.client.post(
        f"{WS}/me", data={"name": "Olivia O.", "avatar_color": "pink", "language": "nl", "sound": "1",
                          "kinds": ["mention", "assigned"], "csrf_token": owner.csrf})
    assert resp.status_code == 303 and "cd_lang=nl" in resp.headers.get("set-cookie", "")
    me = (await owner.client.get("/api/v1/me")).json()
    assert (me["name"], me["avatar_color"], me["language"], me["notify_sound"], me["notify_desktop"],
            me["notify_kinds"]) == ("Olivia O.", "pink", "nl", True, False, ["assigned", "mention"])
    assert "Mijn profiel" in (await owner.get(f"{WS}/me")).text
    bad = await owner.client.post(f"{WS}/me", data={"name": " ", "csrf_token": owner.csrf})
    assert bad.status_code == 422
    elsewhere = Browser(stack)  # another browser: signing in brings the chosen language along
    assert "cd_lang=nl" in (await elsewhere.login("owner@test.shop")).headers.get("set-cookie", "")
    await elsewhere.aclose()


async def test_password_change_keeps_this_session_and_ends_the_others(stack, owner):
    other = await signed_in(stack, "owner@test.shop")
    wrong = await owner.client.post(f"{WS}/me/password", data={"current": "nope", "new": "new password 1",
                                                              "repeat": "new password 1", "csrf_token": owner.csrf})
    assert wrong.status_code == 422
    ok = await owner.client.post(f"{WS}/me/password", data={"current": PASSWORD, "new": "new password 1",
                                                           "repeat": "new password 1", "csrf_token": owner.csrf})
    assert ok.status_code == 303
    assert (await owner.get(f"{WS}/me")).status_code == 200  # this browser stays signed in
    assert (await other.get(f"{WS}/me")).status_code == 303  # the other one is signed out
    async with stack.rt.db.reader() as session:
        user = (await session.execute(select(User).where(User.email == "owner@test.shop"))).scalar_one()
        assert len((await session.execute(select(BrowserSession).where(
            BrowserSession.user_id == user.id))).all()) == 1
    assert (await Browser(stack).login("owner@test.shop", "new password 1")).status_code == 303
    await other.aclose()
