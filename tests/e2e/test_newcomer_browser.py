"""What a newcomer to the inbox hits, in a real browser: live reopen, scrolling, dates, reconnecting;
deletes ask first in a dialog, the connect form keeps what was typed (secrets too) after a refusal,
and a new conversation is announced once, not the whole list."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_customer_reopening_a_resolved_conversation_updates_header_and_window_live(new_page, servers):
    page = new_page()
    wa_id = "31655500001"
    servers.customer_says(wa_id, "Old question", name="Reopen Rianne", timestamp=int(time.time()) - 26 * 3600)
    page.locator(".conv-item", has_text="Reopen Rianne").click(timeout=30000)
    expect(page.locator("#window-state")).to_have_attribute("data-state", "closed")
    page.click("#resolve-btn")
    expect(page.locator(".status-pill")).to_have_text("Resolved")
    page.reload()  # an agent who opens a resolved conversation later
    expect(page.locator(".status-pill")).to_have_text("Resolved")
    servers.customer_says(wa_id, "Hello again, still there?")
    expect(page.locator(".msg.in").last).to_contain_text("still there?", timeout=30000)
    expect(page.locator(".status-pill")).to_have_text("Open")  # no reload
    expect(page.locator("#window-state")).to_have_attribute("data-state", "open")
    expect(page.locator("#reopen-btn")).to_have_count(0)


@pytest.mark.parametrize("locale,lang,wa_id", [("nl-NL", "nl", "31655500002"), ("de-DE", "de", "31655500003")])
def test_dates_read_in_dutch_and_german(new_page, servers, locale, lang, wa_id):
    from datetime import UTC, datetime, timedelta

    from chatdesk.inbox.dates import Formatter
    from chatdesk.inbox.i18n import translator

    fmt = Formatter("UTC", lang, translator(lang))  # the e2e workspace's zone
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    name = f"Datum {lang}"
    servers.customer_says(wa_id, "Hallo", name=name, timestamp=int(three_days_ago.timestamp()))
    servers.customer_says(wa_id, "Noch da?")
    page = new_page(locale=locale)
    page.locator(".conv-item", has_text=name).click(timeout=30000)
    weekday = fmt.day(three_days_ago)
    assert len(weekday) > 3  # a whole word, never "Die" / "Din"
    expect(page.locator(".day-sep").first).to_have_text(weekday)

    later = (datetime.now(UTC) + timedelta(days=21)).replace(hour=12, minute=0, second=0, microsecond=0)
    snooze = page.locator("#conv-header details.pop", has=page.locator("input[name=until]"))
    snooze.locator("summary").click()
    page.fill("input[name=until]", later.strftime("%Y-%m-%dT%H:%M"))
    snooze.locator("button:not([name=preset])").click()
    expect(page.locator(".status-pill")).to_contain_text(fmt.short(later))  # "22. Dez.", not a weekday
    expect(page.locator(".status-pill")).to_contain_text("12:00")


def _at_bottom(page) -> bool:
    return page.evaluate("(() => { const t = document.getElementById('thread');"
                         " return t.scrollHeight - t.scrollTop - t.clientHeight < 48; })()")


def test_a_thread_with_images_opens_at_the_newest_message_after_they_load(new_page, servers):
    wa_id, name = "31655500004", "Images Ilse"
    servers.customer_says(wa_id, "Photos of the damage:", name=name)
    for i in range(4):
        servers.sandbox_call("POST", f"/_sandbox/customers/{wa_id}/messages",
                             {"type": "image", "caption": f"photo {i}"})
    for i in range(8):
        servers.customer_says(wa_id, f"line {i}")
    servers.customer_says(wa_id, "The newest message")
    page = new_page()

    def slow_media(route):   # images arrive well after the thread was first scrolled
        time.sleep(1.0)
        route.continue_()
    page.route("**/media/**", slow_media)
    page.locator(".conv-item", has_text=name).click(timeout=30000)
    expect(page.locator(".msg.in").last).to_contain_text("The newest message", timeout=30000)
    expect(page.locator(".msg img.media-img")).to_have_count(4, timeout=30000)
    end = time.monotonic() + 20
    loaded = "[...document.querySelectorAll('#thread img.media-img')].every(i => i.complete && i.naturalHeight > 0)"
    while not page.evaluate(loaded):
        assert time.monotonic() < end, "images never loaded"
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    assert _at_bottom(page)
    expect(page.locator(".msg.in").last).to_be_in_viewport()


def test_new_messages_while_scrolled_up_show_a_marker(new_page, servers):
    wa_id, name = "31655500005", "Marker Mila"
    servers.customer_says(wa_id, "first", name=name)
    for i in range(25):
        servers.customer_says(wa_id, f"message {i}\nwith a second line")
    page = new_page()
    page.locator(".conv-item", has_text=name).click(timeout=30000)
    expect(page.locator(".msg.in").last).to_contain_text("message 24", timeout=30000)
    page.locator("#thread").evaluate("t => { t.scrollTop = 0; }")
    page.wait_for_timeout(200)
    servers.customer_says(wa_id, "Are you reading this?")
    expect(page.locator("#new-below")).to_be_visible(timeout=30000)
    assert not _at_bottom(page)   # the thread did not jump away from what the agent reads
    page.click("#new-below")
    expect(page.locator("#new-below")).to_be_hidden()
    expect(page.locator(".msg.in").last).to_contain_text("Are you reading this?")
    page.wait_for_timeout(200)
    assert _at_bottom(page)


def test_connection_lost_says_reconnecting_and_a_send_says_why_in_german(new_page, servers):
    page = new_page(locale="de-DE")
    servers.customer_says("31655500006", "Hallo", name="Offline Otto")
    page.locator(".conv-item", has_text="Offline Otto").click(timeout=30000)
    expect(page.locator("#live-status")).to_be_empty()
    # the server goes away: its live stream and its send endpoint no longer answer
    page.route("**/events", lambda route: route.abort())
    page.route("**/messages", lambda route: route.abort())
    page.reload()
    expect(page.locator("#live-status")).to_have_text("Verbindung wird wiederhergestellt…", timeout=30000)
    if not page.locator("#composer-text").count():
        page.locator(".conv-item", has_text="Offline Otto").click()
    page.fill("#composer-text", "Sind Sie noch da?")
    page.locator("#composer-text").press("Enter")
    expect(page.locator("#composer-error")).to_contain_text("Der Server ist nicht erreichbar")
    expect(page.locator("#composer-error")).not_to_contain_text("(0)")
    expect(page.locator("#composer-text")).to_have_value("Sind Sie noch da?")   # kept for another try
    page.unroute("**/events")
    page.unroute("**/messages")
    expect(page.locator("#live-status")).to_be_empty(timeout=20000)   # back: the notice is gone


def test_deleting_a_label_asks_first(new_page):
    page = new_page()
    page.goto("/w/e2e-shop/settings/labels")
    page.fill("input[name=name]", "Ask-first")
    page.click("text=Create label")
    row = page.locator("tr", has=page.locator(".label-chip", has_text="Ask-first"))
    expect(row).to_be_visible()
    dialog = page.locator("#confirm-dialog")
    row.locator("button", has_text="Delete").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Delete the label “Ask-first”?")
    dialog.locator("button", has_text="Cancel").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(row).to_be_visible()                         # nothing was deleted
    row.locator("button", has_text="Delete").click()
    dialog.locator("#confirm-ok").click()
    expect(page.locator(".label-chip", has_text="Ask-first")).to_have_count(0)
    assert page.dialogs == []                           # no native confirm() was used


def test_the_connect_form_keeps_secrets_after_a_refusal(new_page):
    page = new_page()
    page.goto("/w/e2e-shop/settings/channels")
    page.fill("#connect-whatsapp input[name=phone_number_id]", "123123123123123")
    page.fill("#connect-whatsapp input[name=waba_id]", "321321321")
    page.fill("#connect-whatsapp input[name=access_token]", "not-a-token")
    page.fill("#connect-whatsapp input[name=app_secret]", "typed-secret")
    page.click("#connect-whatsapp .connect-btn")
    expect(page.locator(".alert.error")).to_be_visible()
    expect(page.locator(".alert.error")).not_to_contain_text("Error:")
    expect(page.locator("#connect-whatsapp input[name=access_token]")).to_have_value("not-a-token")
    expect(page.locator("#connect-whatsapp input[name=app_secret]")).to_have_value("typed-secret")
    expect(page.locator("#connect-whatsapp input[name=phone_number_id]")).to_have_value("123123123123123")


def test_a_new_conversation_is_announced_once(new_page, servers):
    page = new_page()
    page.goto("/w/e2e-shop/?view=all")
    assert page.locator("#conv-list").get_attribute("aria-live") is None
    servers.customer_says("31650000001", "Hello, anyone there?", name="Announced Anna")
    expect(page.locator(".conv-item", has_text="Announced Anna")).to_be_visible(timeout=30000)
    expect(page.locator("#list-status")).to_have_text("New conversation: Announced Anna")
