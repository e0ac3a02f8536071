"""The composer in a real browser: emoji picker by keyboard, several files by drag and drop, a file
type the channel cannot send refused before sending, canned responses with variables."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FILES = """([files]) => { const dt = new DataTransfer();
  for (const [name, type, body] of files) dt.items.add(new File([body], name, {type}));
  return dt; }"""


def open_conversation(page, servers, wa_id: str, name: str) -> None:
    servers.customer_says(wa_id, "Hi there", name=name)
    page.locator(".conv-item", has_text=name).click(timeout=30000)
    expect(page.locator("#composer-text")).to_be_visible()


def test_emoji_picker_by_keyboard_inserts_at_the_caret(new_page, servers):
    page = new_page()
    open_conversation(page, servers, "31655510001", "Emoji Emma")
    page.fill("#composer-text", "Thanks ")
    page.focus("#emoji-btn")
    page.keyboard.press("Enter")
    expect(page.locator("#emoji-pop")).to_be_visible()
    expect(page.locator("#emoji-pop .emoji").first).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator("#emoji-pop")).to_be_hidden()
    expect(page.locator("#composer-text")).to_have_value("Thanks 😃")
    page.focus("#emoji-btn")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.locator("#emoji-pop")).to_be_hidden()
    expect(page.locator("#emoji-btn")).to_be_focused()


def test_dropped_files_are_checked_and_each_sent_as_its_own_message(new_page, servers):
    page = new_page()
    open_conversation(page, servers, "31655510002", "Drop Dirk")
    files = page.evaluate_handle(FILES, [[["invoice.pdf", "application/pdf", "%PDF-1.4 a"],
                                          ["terms.pdf", "application/pdf", "%PDF-1.4 b"],
                                          ["photos.zip", "application/zip", "PK zip"]]])
    page.dispatch_event(".composer-wrap", "drop", {"dataTransfer": files})
    expect(page.locator("#composer-error")).to_contain_text("photos.zip")   # refused before sending
    expect(page.locator("#composer-error")).to_contain_text("application/zip")
    expect(page.locator("#file-name")).to_have_text("invoice.pdf, terms.pdf")
    page.fill("#composer-text", "The documents")
    page.locator("#composer-text").press("Enter")
    expect(page.locator(".msg.out")).to_have_count(2, timeout=30000)
    expect(page.locator("#file-name")).to_have_text("")
    expect(page.locator(".msg.out").first).to_contain_text("invoice.pdf")
    expect(page.locator(".msg.out").last).to_contain_text("terms.pdf")


def test_canned_response_variables_are_filled_on_insert(new_page, servers):
    page = new_page()
    page.goto("/w/e2e-shop/settings/canned")
    page.fill("input[name=shortcut]", "greetvar")
    page.fill("textarea[name=text]", "Hi {{contact.first_name}}, {{agent.name}} here from {{workspace.name}}.")
    page.locator("form.stack button.primary").last.click()
    expect(page.locator("code", has_text="/greetvar")).to_be_visible()
    page.goto("/w/e2e-shop/")
    open_conversation(page, servers, "31655510003", "Carla Smit")
    page.type("#composer-text", "/greetv")
    expect(page.locator("#canned-menu li").first).to_contain_text("Hi Carla,")
    page.keyboard.press("Enter")
    expect(page.locator("#composer-text")).to_have_value(re.compile(r"^Hi Carla, \S+ here from E2E Shop\.$"))
