"""In a real browser: the reply window counts down and closes live into the template picker; the
customer writing again opens it live; templates are chosen, filled, previewed and sent."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.e2e

WINDOW = 24 * 3600


def test_the_countdown_reaches_zero_and_the_picker_appears_live(new_page, servers):
    page = new_page()
    # the customer wrote (by Meta's clock) 24 hours less 4 seconds ago: the window closes in ~4 s
    servers.customer_says("31647000101", "Are you still there?", name="Cora Countdown",
                          timestamp=int(time.time()) - WINDOW + 4)
    page.locator(".conv-item", has_text="Cora Countdown").click()
    expect(page.locator(".msg.in").last).to_contain_text("Are you still there?")
    expect(page.locator("#window-state")).to_have_attribute("data-open", "true")
    expect(page.locator("#window-state .countdown")).to_have_text("1 min left")
    expect(page.locator(".conv-item", has_text="Cora Countdown").locator(".countdown")).to_have_text("1 min left")

    banner = page.locator("#window-state .window-banner")
    expect(banner).to_contain_text("The reply window is closed", timeout=15000)   # no reload
    expect(page.locator("#window-state")).to_have_attribute("data-open", "false")
    expect(banner.locator("#template-picker")).to_be_visible()
    expect(page.locator("#window-until")).to_have_text("closed")
    expect(page.locator(".conv-item", has_text="Cora Countdown").locator(".countdown")).to_be_hidden()
    shot(page, "30-window-closed-live")

    servers.customer_says("31647000101", "Hello again")
    expect(page.locator(".msg.in").last).to_contain_text("Hello again", timeout=15000)
    expect(page.locator("#window-state")).to_have_attribute("data-open", "true", timeout=15000)
    expect(page.locator(".window-banner")).to_have_count(0)
    expect(page.locator("#window-state .countdown")).to_have_text("24 h left")
