"""What a newcomer to the inbox hits, in a real browser: live reopen, scrolling, dates, reconnecting."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_customer_reopening_a_resolved_conversation_updates_header_and_window_live(new_page, servers):
    page = new_page()
    wa_id = "31655500001"
    servers.customer_says(wa_id, "Old question", name="Reopen Rianne", timestamp=int(time.time()) - 26 * 3600)
    page.locator(".conv-item", has_text="Reopen Rianne").click(timeout=15000)
    expect(page.locator("#window-state")).to_have_attribute("data-state", "closed")
    page.click("#resolve-btn")
    expect(page.locator(".status-pill")).to_have_text("Resolved")
    page.reload()  # an agent who opens a resolved conversation later
    expect(page.locator(".status-pill")).to_have_text("Resolved")
    servers.customer_says(wa_id, "Hello again, still there?")
    expect(page.locator(".msg.in").last).to_contain_text("still there?", timeout=15000)
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
    page.locator(".conv-item", has_text=name).click(timeout=15000)
    weekday = fmt.day(three_days_ago)
    assert len(weekday) > 3  # a whole word, never "Die" / "Din"
    expect(page.locator(".day-sep").first).to_have_text(weekday)

    later = (datetime.now(UTC) + timedelta(days=21)).replace(hour=12, minute=0, second=0, microsecond=0)
    snooze = page.locator("#conv-header details.pop", has=page.locator("input[name=until]"))
    snooze.locator("summary").click()
    page.fill("input[name=until]", later.strftime("%Y-%m-%dT%H:%M"))
    snooze.locator("button").click()
    expect(page.locator(".status-pill")).to_contain_text(fmt.short(later))  # "22. Dez.", not a weekday
    expect(page.locator(".status-pill")).to_contain_text("12:00")
