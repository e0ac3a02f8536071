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
