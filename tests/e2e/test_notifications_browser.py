"""Notifications in a real browser (issue 16): agent B hears live, through the inbox's stream,
when A assigns a conversation to B and when A @mentions B in a note (picked with the picker):
the bell's count, the tab title, the list, a desktop notification; and B's own page changes
the display name, the language and the password."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import AGENT, PASSWORD, shot

pytestmark = pytest.mark.e2e

COUNT_NOTIFICATIONS = """
window.__notified = [];
(function () {
  var Real = window.Notification;
  function Counted(title, options) {
    window.__notified.push((options && options.body) || title);
    try { return new Real(title, options); } catch (e) { return {}; }
  }
  Object.defineProperty(Counted, "permission", { get: function () { return Real ? Real.permission : "denied"; } });
  Counted.requestPermission = function () { return Real.requestPermission(); };
  window.Notification = Counted;
})();
"""


def _agent_page(new_page, servers):
    page = new_page(AGENT)
    page.context.grant_permissions(["notifications"], origin=servers.base)
    page.context.add_init_script(COUNT_NOTIFICATIONS)
    page.goto(page.url)
    return page


def _mark_all_read(page):
    page.click("#bell")
    expect(page.locator("#notif-list .notif-head")).to_be_visible()
    if page.locator("#notif-read-all").count():
        page.click("#notif-read-all")
    expect(page.locator("#bell-count")).to_be_hidden()
    page.click("#bell")  # closes the list


def test_agent_is_notified_live_of_an_assignment_and_a_mention(new_page, servers):
    admin = new_page()
    agent = _agent_page(new_page, servers)
    servers.customer_says("31622220001", "Can someone help me?", name="Noor Melding")
    admin.locator(".conv-item", has_text="Noor Melding").click(timeout=30000)
    expect(agent.locator("#bell-count")).to_be_visible(timeout=30000)   # a new unassigned conversation
    _mark_all_read(agent)
    expect(agent).not_to_have_title(re.compile(r"^\("))

    admin.select_option("#assignee-select", label="agent")
    expect(agent.locator("#bell-count")).to_have_text("1", timeout=30000)
    expect(agent).to_have_title(re.compile(r"^\(1\) "))
    assert any("assigned you" in body for body in agent.evaluate("window.__notified"))

    admin.click(".ctab[data-mode=note]")
    admin.locator("#composer-text").press_sequentially("Please call her back @ag")
    menu = admin.locator("#mention-menu")
    expect(menu).to_be_visible()
    expect(menu.locator(".mention-option:visible")).to_have_count(1)
    admin.keyboard.press("Enter")   # picks the agent, does not send
    expect(admin.locator("#composer-text")).to_have_value("Please call her back @agent ")
    admin.keyboard.press("Enter")   # sends the note
    expect(admin.locator(".msg.note").last.locator("mark.mention")).to_have_text("@agent")

    expect(agent.locator("#bell-count")).to_have_text("2", timeout=30000)
    expect(agent).to_have_title(re.compile(r"^\(2\) "))
    assert any("mentioned you" in body for body in agent.evaluate("window.__notified"))   # on the desktop
    agent.click("#bell")
    items = agent.locator("#notif-list .notif-item.unread")
    expect(items.first).to_contain_text("owner mentioned you in a note on Noor Melding")
    expect(items.nth(1)).to_contain_text("owner assigned you the conversation with Noor Melding")
    expect(agent.locator("#notif-desktop-ask")).to_be_hidden()   # permission granted already: nothing to ask
    shot(agent, "n16c-notifications")
    items.first.locator("a").click()
    expect(agent.locator("#conv-header")).to_contain_text("Noor Melding")
    expect(agent.locator("#bell-count")).to_have_text("1")
    _mark_all_read(agent)


def test_my_page_changes_name_language_and_password(new_page, servers):
    page = new_page(AGENT)
    page.click(".rail-me")
    page.click("#my-profile")
    try:
        page.fill("input[name=name]", "Agent Smith")
        page.select_option("select[name=language]", "nl")
        page.click("#save-profile")
        expect(page.locator("h1")).to_have_text("Mijn profiel")
        expect(page.locator("#me-saved")).to_contain_text("Je profiel is opgeslagen.")
        expect(page.locator("input[name=name]")).to_have_value("Agent Smith")
        shot(page, "n16c-me-page")
        page.goto(page.url.split("/me")[0] + "/")
        # the inbox is Dutch too
        expect(page.locator("summary.rail-me")).to_have_attribute("aria-label", "Accountmenu")

        page.goto(page.url.rstrip("/") + "/me")
        page.fill("input[name=current]", PASSWORD)
        page.fill("input[name=new]", "e2e-new-password-9")
        page.fill("input[name=repeat]", "e2e-new-password-9")
        page.click("#change-password")
        expect(page.locator("#me-saved")).to_contain_text("Je wachtwoord is gewijzigd")
        again = new_page(None)
        again.goto("/login")
        again.fill("input[name=email]", AGENT)
        again.fill("input[name=password]", "e2e-new-password-9")
        again.click("button[type=submit]")
        again.wait_for_url("**/w/**")
    finally:  # the servers are shared: leave the agent as it was
        page.fill("input[name=current]", "e2e-new-password-9")
        page.fill("input[name=new]", PASSWORD)
        page.fill("input[name=repeat]", PASSWORD)
        page.click("#change-password")
        page.fill("input[name=name]", "agent")
        page.select_option("select[name=language]", "en")
        page.click("#save-profile")
        expect(page.locator("h1")).to_have_text("My profile")
