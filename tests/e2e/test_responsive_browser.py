"""The inbox on phones and narrow windows (390 by 844 and 800 by 900): list → conversation → back, a
direct link, the contact drawer, settings without sideways scrolling, the sandbox phone's menu.
Screenshots at 390, 800 and 1,440 px go to /tmp/shots16 (looked at by hand, not compared)."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots16")
PHONE, TABLET = {"width": 390, "height": 844}, {"width": 800, "height": 900}
NO_SIDEWAYS = "document.scrollingElement.scrollWidth <= window.innerWidth"
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 8)
  .map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right))"""


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _conversation(page, servers, wa_id: str, name: str) -> None:
    servers.customer_says(wa_id, f"Hello from {name}, is my parcel on its way?", name=name)
    expect(page.locator(".conv-item", has_text=name)).to_be_visible(timeout=30000)


@pytest.mark.parametrize("size", [PHONE, TABLET], ids=["390", "800"])
def test_open_a_conversation_from_the_list_and_go_back(new_page, servers, size):
    page = new_page()
    page.set_viewport_size(size)
    name = f"Narrow Nina {size['width']}"
    _conversation(page, servers, f"3161000{size['width']}", name)
    expect(page.locator("#pane")).to_be_hidden()
    page.locator(".conv-item", has_text=name).click()
    expect(page.locator("#conv-header")).to_contain_text(name)
    expect(page.locator(".list-pane")).to_be_hidden()
    expect(page.locator("#composer-text")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS), page.evaluate(WIDE)
    _shot(page, f"conversation-{size['width']}")
    page.click("#back-btn")
    expect(page.locator(".list-pane")).to_be_visible()
    expect(page.locator("#pane")).to_be_hidden()
    expect(page.locator(".conv-item", has_text=name)).to_be_focused()
    _shot(page, f"list-{size['width']}")


def test_a_direct_link_opens_the_conversation_on_a_phone(new_page, servers):
    page = new_page()
    _conversation(page, servers, "31610000391", "Linked Lina")
    href = page.locator(".conv-item", has_text="Linked Lina").get_attribute("href")
    page.set_viewport_size(PHONE)
    page.goto(href)
    expect(page.locator("#conv-header")).to_contain_text("Linked Lina")
    expect(page.locator("#composer-text")).to_be_visible()
    expect(page.locator(".list-pane")).to_be_hidden()


@pytest.mark.parametrize("size", [PHONE, TABLET], ids=["390", "800"])
def test_the_contact_drawer_opens_and_closes(new_page, servers, size):
    page = new_page()
    page.set_viewport_size(size)
    name = f"Drawer Dirk {size['width']}"
    _conversation(page, servers, f"3162000{size['width']}", name)
    page.locator(".conv-item", has_text=name).click()
    panel, button = page.locator("#contact-pane"), page.locator("#contact-btn")
    expect(panel).to_be_hidden()
    button.click()
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(name)
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()                      # focus returns to where it was
    button.click()
    page.click("#contact-close")
    expect(panel).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")


def test_the_contact_panel_is_beside_the_thread_on_a_wide_window(new_page, servers):
    page = new_page()
    _conversation(page, servers, "31620001440", "Wide Wendy")
    page.locator(".conv-item", has_text="Wide Wendy").click()
    expect(page.locator("#contact-pane")).to_be_visible()
    expect(page.locator("#contact-btn")).to_be_hidden()
    expect(page.locator("#back-btn")).to_be_hidden()
    controls = ".actions > .btn, .actions > select, .actions > details > summary, .actions > label > select"
    top = page.locator(controls).evaluate_all(
        "els => [...new Set(els.filter(e => e.offsetParent).map(e => Math.round(e.getBoundingClientRect().top)))]")
    _shot(page, "conversation-1440")
    assert len(top) == 1, f"header buttons wrap onto {len(top)} rows at 1,440 px"
    page.goto(page.url.split("/c/")[0] + "/")
    _shot(page, "list-1440")


@pytest.mark.parametrize("size", [PHONE, TABLET], ids=["390", "800"])
@pytest.mark.parametrize("section", ["channels", "agents", "labels", "templates"])
def test_settings_pages_have_no_sideways_scrolling(new_page, size, section):
    page = new_page()
    page.set_viewport_size(size)
    page.goto(page.url.rstrip("/") + f"/settings/{section}")
    expect(page.locator(".settings-main h1")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS), (section, page.evaluate(WIDE))
    if section == "channels":
        _shot(page, f"settings-{size['width']}")


def test_settings_at_1440(new_page):
    page = new_page()
    page.goto(page.url.rstrip("/") + "/settings/channels")
    _shot(page, "settings-1440")


def test_the_phone_page_menu_fits_at_390(browser, servers):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        servers.sandbox_call("POST", "/_sandbox/customers", {"wa_id": "31630000390", "name": "Menu Mia"})
        servers.sandbox_call("POST", "/_sandbox/customers", {"wa_id": "31630000391",
                                                              "name": "Maximiliane Wilhelmina von Oberschwangau-Ost"})
        page.goto(servers.sandbox + "/phone?wa_id=31630000391")
        expect(page.locator("#customer")).to_be_visible()
        page.click("#new-toggle")
        expect(page.locator("#new-customer")).to_be_visible()
        assert page.evaluate(NO_SIDEWAYS), page.evaluate(WIDE)
        boxes = page.locator("header *, nav *, select, button").evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().right)")
        assert boxes and max(boxes) <= 390, f"something ends at {max(boxes)} px"
        _shot(page, "phone-390")
    finally:
        context.close()
