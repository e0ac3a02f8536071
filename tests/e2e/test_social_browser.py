"""Messenger and Instagram conversations live in the inbox, answered, with ticks: the sandbox
plays the customers on both platforms and sends its webhooks to chatdesk (see conftest)."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.e2e


def _until(fn, timeout: float = 15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if value := fn():
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def _sent_texts(servers, platform: str, user: str) -> list[str]:
    return [(r["message"] or {}).get("text", "") for r in servers.social_received(platform, user)]


def _live_reply(page, servers, platform: str, user: str, name: str, question: str, answer: str):
    """The customer writes; the conversation appears live with the channel's icon; the agent
    answers and the answer reaches the customer, its ticks moving to read."""
    servers.social_says(platform, user, question)
    item = page.locator(".conv-item", has_text=name)
    expect(item).to_be_visible(timeout=30000)  # live, no reload
    expect(item.locator(f".chan-{platform}")).to_be_visible()
    item.click()
    expect(page.locator("#conv-header")).to_contain_text(name)
    expect(page.locator(f"#conv-header .chan-{platform}")).to_be_visible()
    expect(page.locator(".msg.in").last).to_contain_text(question)
    page.fill("#composer-text", answer)
    page.keyboard.press("Enter")
    out = page.locator(".msg.out").last
    expect(out).to_contain_text(answer)
    _until(lambda: answer in _sent_texts(servers, platform, user))
    expect(out.locator(".ticks.read")).to_be_visible(timeout=30000)  # the customer read it, live
    return out


def test_a_messenger_conversation_live_replied_with_ticks(new_page, servers):
    page = new_page()
    user = servers.social_user("messenger", "Mira", "Messenger")
    _live_reply(page, servers, "messenger", user, "Mira Messenger", "Do you ship to Belgium?",
                "Yes, in two working days.")
    servers.sandbox_call("POST", f"/_sandbox/messenger/users/{user}/messages",
                         {"type": "quick_reply", "title": "Track order", "payload": "TRACK"})
    chosen = page.locator(".msg.in").last
    expect(chosen.locator(".choice")).to_contain_text("Track order", timeout=30000)
    shot(page, "social-messenger")


def test_an_instagram_conversation_live_replied_with_ticks_and_a_story_mention(new_page, servers):
    page = new_page()
    user = servers.social_user("instagram", "Ines", "Insta", username="ines.insta")
    _live_reply(page, servers, "instagram", user, "Ines Insta", "Is the red dress back?",
                "It is, in every size.")
    servers.sandbox_call("POST", f"/_sandbox/instagram/users/{user}/messages", {"type": "story_mention"})
    story = page.locator(".msg.in .story-mention").last
    expect(story).to_contain_text("Story mention", timeout=30000)
    # fetched into the media store (a job; retries back off 1, 2, 4, 8, 16 s after a dropped or
    # timed-out request, so a loaded machine can need a minute: a guard, it returns once shown)
    expect(story.locator("img.story-media")).to_be_visible(timeout=90000)
    assert "ig_messaging_cdn" not in (story.locator("img.story-media").get_attribute("src") or "")  # not hot-linked
    shot(page, "social-instagram")


RECORD_UPDATES = """(() => {  // what the live stream said changed, next to inbox.js's own listeners
  const Original = window.EventSource; window.__updates = [];
  function Recording(url, options) {
    const es = new Original(url, options);
    es.addEventListener("message.updated", (e) => window.__updates.push(JSON.parse(e.data)));
    return es;
  }
  Recording.prototype = Original.prototype;
  Recording.CONNECTING = 0; Recording.OPEN = 1; Recording.CLOSED = 2;
  window.EventSource = Recording;
})();"""


def test_media_fetched_while_the_timeline_fetch_is_in_flight_still_shows(new_page, servers):
    """The live stream says a message is new; the page asks for it and the answer is slow; its
    media is stored meanwhile and the stream says so before the message is on the page. The
    change must not be lost (it was: the story showed without its picture until a reload)."""
    page = new_page()
    page.add_init_script(RECORD_UPDATES)
    user = servers.social_user("instagram", "Lena", "Late", username="lena.late")
    servers.social_says("instagram", user, "Hi!")
    page.goto("/w/e2e-shop/")
    page.locator(".conv-item", has_text="Lena Late").click()
    expect(page.locator(".msg.in").last).to_contain_text("Hi!")
    held = []

    def hold_first(route):
        if held:
            route.continue_()
            return
        held.append((route, route.fetch()))  # answered now, from the database as it is now

    servers.sandbox_call("POST", "/_sandbox/fault-modes", {"media_latency": 2})
    page.route("**/messages?after=*", hold_first)
    try:
        servers.sandbox_call("POST", f"/_sandbox/instagram/users/{user}/messages", {"type": "story_mention"})
        page.wait_for_function("() => window.__updates.length > 0", timeout=30000)  # media stored, said live
        route, stale = held[0]
        assert "story-mention" in stale.text() and "story-media" not in stale.text()  # read before the media
        route.fulfill(response=stale)  # the slow answer lands last
        story = page.locator(".msg.in .story-mention")
        expect(story.locator("img.story-media")).to_be_visible(timeout=30000)
        page.wait_for_timeout(500)
        expect(story).to_have_count(1)                      # shown once
        expect(story.locator("img.story-media")).to_be_visible()  # and the older answer did not win
    finally:
        page.unroute("**/messages?after=*")
        servers.sandbox_call("POST", "/_sandbox/fault-modes", {"media_latency": 0})
