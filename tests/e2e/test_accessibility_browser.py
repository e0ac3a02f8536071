"""axe-core on every inbox page: sign-in, the list, a conversation, the contact panel, each
settings page, costs, templates, the invitation and error pages. No serious or critical
violation may remain (minor and moderate ones are reported by axe but not failed here)."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
SETTINGS = ["workspace", "channels", "agents", "teams", "labels", "canned", "templates", "costs"]


def assert_accessible(page, what: str) -> None:
    page.wait_for_load_state("networkidle")
    found = Axe().run(page).response["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found
           if v["impact"] in ("serious", "critical")]
    assert not bad, f"{what}: {bad}"


def test_sign_in_and_error_pages(new_page):
    page = new_page(None)
    page.goto("/login")
    assert_accessible(page, "sign-in")
    page = new_page()
    page.goto(page.url.rstrip("/") + "/c/987654321")
    expect(page.locator("body")).to_contain_text("404")
    assert_accessible(page, "error page")


def test_inbox_list_conversation_and_contact_panel(new_page, servers):
    page = new_page()
    servers.customer_says("31640000001", "Can I change my delivery address?", name="Axe Anouk")
    item = page.locator(".conv-item", has_text="Axe Anouk")
    expect(item).to_be_visible(timeout=30000)
    assert_accessible(page, "inbox list")
    item.click()
    expect(page.locator("#conv-header")).to_contain_text("Axe Anouk")
    assert_accessible(page, "conversation")
    page.set_viewport_size({"width": 800, "height": 900})
    page.click("#contact-btn")
    expect(page.locator("#contact-pane")).to_be_visible()
    assert_accessible(page, "contact panel")


@pytest.mark.parametrize("section", SETTINGS)
def test_settings_pages(new_page, section):
    page = new_page()
    page.goto(page.url.rstrip("/") + f"/settings/{section}")
    expect(page.locator(".settings-main h1")).to_be_visible()
    assert_accessible(page, f"settings/{section}")


def test_channel_details_page(new_page):
    page = new_page()
    page.goto(page.url.rstrip("/") + "/settings/channels")
    page.locator("a.btn", has_text="Details").first.click()
    expect(page).to_have_url(re.compile(r"/settings/channels/\d+"))
    assert_accessible(page, "channel details")


def test_invitation_page(new_page):
    page = new_page()
    page.goto(page.url.rstrip("/") + "/settings/agents")
    page.locator("form[action$='/settings/agents/invite'] input[name=email]").fill("axe-invitee@e2e.shop")
    page.locator("form[action$='/settings/agents/invite'] button").click()
    link = page.locator("#invite-link").inner_text()
    guest = new_page(None)
    guest.goto(link)
    expect(guest.locator("input[type=password]").first).to_be_visible()
    assert_accessible(guest, "invitation")
