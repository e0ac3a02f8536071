"""What a newcomer hit (issue 16): deletes ask first in a dialog, the connect form keeps what was
typed (secrets too) after a refusal, and a new conversation is announced once, not the whole list."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


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
    page.fill("input[name=phone_number_id]", "123123123123123")
    page.fill("input[name=waba_id]", "321321321")
    page.fill("input[name=access_token]", "not-a-token")
    page.fill("input[name=app_secret]", "typed-secret")
    page.click("#connect-whatsapp .connect-btn")
    expect(page.locator(".alert.error")).to_be_visible()
    expect(page.locator(".alert.error")).not_to_contain_text("Error:")
    expect(page.locator("input[name=access_token]")).to_have_value("not-a-token")
    expect(page.locator("input[name=app_secret]")).to_have_value("typed-secret")
    expect(page.locator("input[name=phone_number_id]")).to_have_value("123123123123123")


def test_a_new_conversation_is_announced_once(new_page, servers):
    page = new_page()
    page.goto("/w/e2e-shop/?view=all")
    assert page.locator("#conv-list").get_attribute("aria-live") is None
    servers.customer_says("31650000001", "Hello, anyone there?", name="Announced Anna")
    expect(page.locator(".conv-item", has_text="Announced Anna")).to_be_visible(timeout=15000)
    expect(page.locator("#list-status")).to_have_text("New conversation: Announced Anna")
