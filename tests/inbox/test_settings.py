"""Settings: connecting WhatsApp (checked against the sandbox first), invitations, labels, canned."""
from __future__ import annotations

import asyncio
import logging
import re

from tests.conftest import ACCESS_TOKEN, PHONE_ID
from tests.inbox.conftest import Browser, add_member, conversation_of, other_workspace

WS = "/w/test-shop"


async def test_connect_whatsapp_checks_before_saving(stack, owner):
    await stack.sandbox.post("/_sandbox/numbers", json={"phone_number_id": "555000111222", "waba_id": "42",
                                                        "access_token": "tok-2", "display_phone_number": "15550003333"})
    await owner.get(f"{WS}/settings/channels")
    form = {"kind": "whatsapp", "phone_number_id": "555000111222", "waba_id": "42", "access_token": "bad",
            "app_secret": "s", "csrf_token": owner.csrf}
    bad = await owner.post(f"{WS}/settings/channels", form, htmx=False)
    assert bad.status_code == 422 and "did not work" in bad.text
    ok = await owner.post(f"{WS}/settings/channels", {**form, "access_token": "tok-2"}, htmx=False)
    assert ok.status_code == 303
    page = await owner.get(ok.headers["location"])
    assert "http://chatdesk.test/webhooks/whatsapp" in page.text
    token = re.search(r'id="verify-token">([^<]+)<', page.text).group(1)
    verify = await owner.client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": token,
                                                                  "hub.challenge": "123"})
    assert verify.status_code == 200 and verify.text == "123"
    # the same number cannot be connected twice, and not by another workspace either
    again = await owner.post(f"{WS}/settings/channels", {**form, "access_token": ACCESS_TOKEN,
                                                         "phone_number_id": PHONE_ID}, htmx=False)
    assert again.status_code == 422 and "already connected" in again.text


async def test_invite_link_is_logged_and_accepted(stack, owner, caplog):
    await owner.get(f"{WS}/settings/agents")
    with caplog.at_level(logging.WARNING, logger="chatdesk.inbox.invites"):
        resp = await owner.post(f"{WS}/settings/agents/invite", {"email": "new@test.shop", "role": "agent",
                                                                 "csrf_token": owner.csrf}, htmx=False)
    link = re.search(r"http://chatdesk.test(/invite/\S+)", caplog.text).group(1)
    assert link in resp.text
    guest = Browser(stack)
    page = await guest.get(link)
    assert "Test Shop" in page.text
    joined = await guest.post(link, {"name": "New Agent", "password": "long enough pw", "csrf_token": guest.csrf},
                              htmx=False)
    assert joined.status_code == 303
    assert (await guest.get(f"{WS}/")).status_code == 200
    assert (await guest.get(link)).status_code == 404  # used


async def test_invite_link_uses_the_public_url(stack, owner, caplog):
    """Behind a proxy the request's own host is internal; the link must be the public one."""
    stack.rt.settings.public_url = "https://support.example.com"
    await owner.get(f"{WS}/settings/agents")
    with caplog.at_level(logging.WARNING, logger="chatdesk.inbox.invites"):
        resp = await owner.post(f"{WS}/settings/agents/invite", {"email": "far@test.shop", "role": "agent",
                                                                 "csrf_token": owner.csrf}, htmx=False)
    assert "https://support.example.com/invite/" in caplog.text
    assert "https://support.example.com/invite/" in resp.text


async def test_invite_cannot_take_over_an_existing_account(stack, owner):
    """The inviter sees the link: it must not let them set someone else's password."""
    other_id = await other_workspace(stack)
    await add_member(stack, other_id, "victim@else.where", "owner")
    await owner.get(f"{WS}/settings/agents")
    resp = await owner.post(f"{WS}/settings/agents/invite", {"email": "victim@else.where", "role": "agent",
                                                             "csrf_token": owner.csrf}, htmx=False)
    link = re.search(r"(/invite/[\w-]+)", resp.text).group(1)
    attacker = Browser(stack)
    await attacker.get(link)
    resp = await attacker.post(link, {"name": "x", "password": "attacker-password", "csrf_token": attacker.csrf},
                               htmx=False)
    assert resp.status_code == 422
    assert (await attacker.login("victim@else.where", "attacker-password")).status_code == 401


async def test_canned_responses_are_offered_by_prefix(stack, owner):
    await owner.get(f"{WS}/settings/canned")
    await owner.post(f"{WS}/settings/canned", {"shortcut": "thanks", "text": "Thank you for waiting!",
                                               "csrf_token": owner.csrf}, htmx=False)
    assert "Thank you for waiting!" in (await owner.get(f"{WS}/canned", params={"q": "/tha"})).text
    assert "Thank you" not in (await owner.get(f"{WS}/canned", params={"q": "zzz"})).text


async def test_typing_is_a_live_event(stack, owner):
    cid = await conversation_of(stack, "31600000009", "Hi", name="Typing Customer")
    # subscription() returns once this process listens (on PostgreSQL: LISTEN took effect)
    async with stack.rt.bus.subscription(stack.workspace_id) as sub:
        assert (await owner.post(f"{WS}/c/{cid}/typing", {"mode": "reply"})).status_code == 204
        while True:  # the conversation's own events may come first
            event = await asyncio.wait_for(sub.get(), 20)
            if event["type"] == "conversation.typing":
                break
    assert event["conversation_id"] == cid and event["mode"] == "reply" and "id" not in event


async def test_workspace_time_zone_is_set_in_settings_and_used_for_times(stack, owner):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    cid = await conversation_of(stack, "31600000021", "Hoe laat zijn jullie open?", name="Tijd Klant")
    await owner.get(f"{WS}/settings/workspace")
    bad = await owner.post(f"{WS}/settings/workspace", {"name": "Test Shop", "timezone": "Mars/Olympus",
                                                       "csrf_token": owner.csrf}, htmx=False)
    assert bad.status_code == 422 and "Unknown time zone" in bad.text
    ok = await owner.post(f"{WS}/settings/workspace", {"name": "Test Shop", "timezone": "Asia/Kolkata",
                                                      "csrf_token": owner.csrf}, htmx=False)
    assert ok.status_code == 303
    assert 'value="Asia/Kolkata"' in (await owner.get(f"{WS}/settings/workspace")).text
    (message,) = await stack.messages(cid)
    sent = datetime.fromisoformat(message["sent_at"])
    local = sent.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M")   # UTC+05:30: never the UTC time
    assert local != sent.astimezone(ZoneInfo("UTC")).strftime("%H:%M")
    assert local in (await owner.get(f"{WS}/c/{cid}")).text


async def test_canned_variables_are_filled_for_the_conversation_and_responses_are_editable(stack, owner):
    cid = await conversation_of(stack, "31600000077", "Hallo", name="Müller Schmidt")
    await owner.get(f"{WS}/settings/canned")
    await owner.post(f"{WS}/settings/canned", {"shortcut": "hello", "csrf_token": owner.csrf,
                                               "text": "Hi {{contact.first_name}} ({{ contact.name }}, "
                                                       "{{contact.phone}}), {{agent.name}} of {{workspace.name}}. "
                                                       "{{nope.x}}"},
                     htmx=False)
    page = (await owner.get(f"{WS}/canned", params={"q": "/hel", "c": cid})).text
    assert "Hi Müller (Müller Schmidt, " in page and "{{nope.x}}" in page and "{{contact" not in page
    assert "{{agent.name}}" not in page and "{{workspace.name}}" not in page
    settings_page = (await owner.get(f"{WS}/settings/canned")).text
    canned_id = int(settings_page.split('id="canned-')[1].split('"')[0])
    resp = await owner.post(f"{WS}/settings/canned/{canned_id}", {"shortcut": "hi", "text": "Edited text",
                                                                "csrf_token": owner.csrf}, htmx=False)
    assert resp.status_code in (200, 303), resp.text
    assert "Edited text" in (await owner.get(f"{WS}/canned", params={"q": "/hi"})).text
    assert "Edited text" not in (await owner.get(f"{WS}/canned", params={"q": "/hel"})).text
