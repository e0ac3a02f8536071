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
    expect(banner).to_contain_text("The reply window is closed", timeout=30000)   # no reload
    expect(page.locator("#window-state")).to_have_attribute("data-open", "false")
    expect(banner.locator("#template-picker")).to_be_visible()
    expect(page.locator("#window-until")).to_have_text("closed")
    expect(page.locator(".conv-item", has_text="Cora Countdown").locator(".countdown")).to_be_hidden()
    shot(page, "30-window-closed-live")

    servers.customer_says("31647000101", "Hello again")
    expect(page.locator(".msg.in").last).to_contain_text("Hello again", timeout=30000)
    expect(page.locator("#window-state")).to_have_attribute("data-open", "true", timeout=30000)
    expect(page.locator(".window-banner")).to_have_count(0)
    expect(page.locator("#window-state .countdown")).to_have_text("24 h left")


def _slug_url(page, path: str) -> str:
    return page.evaluate("document.body.dataset.ws") + path


def test_settings_templates_sync_now_and_a_refused_create(new_page, servers):
    page = new_page()
    page.goto(_slug_url(page, "settings/templates"))
    page.click("#sync-now")
    expect(page.locator(".alert.ok")).to_contain_text("Synced:")
    # other browser tests may connect more numbers of the same business account: take the first
    row = page.locator('#template-table tr[data-name="order_update"][data-language="nl"]').first
    expect(row).to_contain_text("Approved")
    expect(row).to_contain_text("Utility")
    form = page.locator("#template-create")
    form.locator("input[name=name]").fill("Shipping Notice")
    form.locator("input[name=language]").fill("en_US")
    form.locator("textarea[name=body]").fill("{{1}} your parcel is on its way")
    form.locator("button.primary").click()
    expect(page.locator("#err-name")).to_contain_text("lower-case")
    expect(page.locator("#err-body")).to_contain_text("may not start or end")
    expect(page.locator("#template-create input[name=name]")).to_have_value("Shipping Notice")
    shot(page, "31-settings-templates")


def test_a_template_sent_with_variables_matches_its_preview(new_page, servers):
    page = new_page()
    page.goto(_slug_url(page, "settings/templates"))
    page.click("#sync-now")
    expect(page.locator(".alert.ok")).to_contain_text("Synced:")
    page.goto(_slug_url(page, ""))
    servers.customer_says("31647000102", "Where is my order?", name="Tess Template")
    page.locator(".conv-item", has_text="Tess Template").click()
    expect(page.locator(".msg.in").last).to_contain_text("Where is my order?")

    page.click("#template-btn")   # the window is open: the composer offers the picker on demand
    page.fill("#tp-search", "order_up")
    page.locator('.tp-item[data-name="order_update"][data-language="en_US"]').click()
    page.fill('#tp-form input[name="body.1"]', "Tess")
    page.fill('#tp-form input[name="body.2"]', "T-42")
    preview = page.locator("#tp-preview .tp-text")
    expect(preview).to_have_text("Hi Tess, your order T-42 has been shipped and is on its way.")
    shown = preview.inner_text()
    shot(page, "32-template-preview")
    page.click("#tp-form .tp-send")
    expect(page.locator(".msg.out").last).to_contain_text(shown)
    expect(page.locator("#template-pop")).to_be_hidden()

    end = time.monotonic() + 15
    while not (got := [r for r in servers.received("31647000102") if r["type"] == "template"]):
        assert time.monotonic() < end, "the sandbox never received the template"
        time.sleep(0.2)
    assert got[0]["template_text"] == shown
