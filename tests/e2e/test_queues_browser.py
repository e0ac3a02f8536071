"""Queues at scale in a real browser: paging past 100 conversations by scrolling, bulk resolve,
a saved view, Pending and a snooze preset from the header, and round robin between two online
agents. The server is shared with other browser tests: every test finds its own rows by their
unique names (a search narrows the list to them)."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import AGENT, shot

pytestmark = pytest.mark.e2e


def _seed(servers, prefix: str, n: int, start: int) -> None:
    for i in range(n):
        servers.customer_says(f"3169{start + i:07d}", f"Question {i}", name=f"{prefix} {i:03d}")


def _search(page, term: str) -> None:
    page.fill("#search", term)
    expect(page.locator(".conv-item").first).to_contain_text(term, timeout=30000)


def test_scrolling_pages_past_100_conversations(new_page, servers):
    _seed(servers, "Pager", 115, 0)
    page = new_page()
    page.select_option("select[name=status]", "all")
    page.fill("#search", "Pager")
    expect(page.locator("#count-all")).to_have_text("115", timeout=30000)
    items = page.locator("#conv-list .conv-item")
    for _ in range(20):  # each scroll to the end reveals the sentinel, which loads the next page
        if items.count() >= 115:
            break
        page.eval_on_selector("#conv-list", "el => { el.scrollTop = el.scrollHeight; }")
        time.sleep(0.5)
    expect(items).to_have_count(115)
    expect(items.last).to_contain_text("Pager 000")  # newest first: the oldest is the 115th
    shot(page, "queues-115")


def test_bulk_resolve_with_a_shift_click_range(new_page, servers):
    _seed(servers, "Bulky", 4, 200)
    page = new_page()
    _search(page, "Bulky")
    expect(page.locator(".conv-item")).to_have_count(4, timeout=30000)
    rows = page.locator("#conv-list .conv-row")
    rows.nth(0).hover()
    rows.nth(0).locator(".pick").check()
    rows.nth(2).hover()
    rows.nth(2).locator(".pick").click(modifiers=["Shift"])  # a range: rows 1 to 3
    expect(page.locator("#bulk-count")).to_have_text("3")
    page.click("#bulk-resolve")
    expect(page.locator(".conv-item")).to_have_count(1, timeout=30000)  # open ones only: one is left
    expect(page.locator("#bulk-form")).to_be_hidden()


def test_a_saved_view_is_created_and_reopened(new_page, servers):
    _seed(servers, "Viewy", 2, 300)
    page = new_page()
    _search(page, "Viewy")
    page.select_option("#sort", "oldest")
    expect(page.locator(".conv-item").first).to_contain_text("Viewy 000", timeout=30000)
    page.click("#view-menu summary")
    page.fill("#view-name", "Viewy oldest")
    page.click("#view-save")
    chip = page.locator(".saved-view.current")
    expect(chip).to_contain_text("Viewy oldest", timeout=30000)
    expect(chip.locator(".count")).to_have_text("2")
    page.goto("/")
    page.locator(".saved-view", has_text="Viewy oldest").click()
    expect(page.locator("#search")).to_have_value("Viewy")
    expect(page.locator("#sort")).to_have_value("oldest")
    expect(page.locator(".conv-item").first).to_contain_text("Viewy 000")


def test_pending_and_a_snooze_preset_from_the_header(new_page, servers):
    _seed(servers, "Statusy", 1, 400)
    page = new_page()
    _search(page, "Statusy")
    page.locator(".conv-item", has_text="Statusy 000").click()
    page.click("#pending-btn")
    expect(page.locator("#conv-header .status-pill")).to_have_text("Pending")
    page.click("#open-btn")
    expect(page.locator("#conv-header .status-pill")).to_have_text("Open")
    page.locator("#conv-header summary", has_text="Snooze").click()
    page.click("#snooze-tomorrow")
    expect(page.locator("#conv-header .status-pill")).to_contain_text("Snoozed")


def test_round_robin_between_two_online_agents(new_page, servers):
    owner = new_page()
    agent = new_page(AGENT)  # both inboxes open: both online (their heartbeats say so)
    expect(agent.locator("#presence-dot")).to_have_attribute("data-state", "online", timeout=10000)
    home = re.match(r"(.*/w/[^/]+/)", owner.url).group(1)
    owner.goto(home + "settings/teams")
    team = f"Rota {int(time.time())}"
    owner.fill("input[name=name]", team)
    with owner.expect_navigation():  # each of these forms posts and reloads the page: one at a time
        owner.click("text=Create team")
    card = owner.locator(".card", has=owner.locator("h2", has_text=team))
    for added in (1, 2):  # add the owner and the agent
        with owner.expect_navigation():
            card.locator("button", has_text="Add to team").first.click()
        expect(card.locator("button", has_text="Remove from team")).to_have_count(added)
    card.locator("input[name=auto_assign]").check()
    with owner.expect_navigation():
        card.locator("button", has_text="Save routing").click()
    expect(card.locator("input[name=auto_assign]")).to_be_checked()
    _seed(servers, "Robin", 4, 500)
    owner.goto(home)
    _search(owner, "Robin")
    assignees = []
    for i in range(4):
        owner.locator(".conv-item", has_text=f"Robin {i:03d}").click()
        expect(owner.locator("#conv-header")).to_contain_text(f"Robin {i:03d}")
        owner.locator("#conv-header select[name=team]").select_option(label=team)
        select = owner.locator("#assignee-select")
        # the routing job assigned it and the header refreshed live (a hang guard: returns as soon as it has)
        expect(select).not_to_have_value("", timeout=30000)
        assignees.append(select.input_value())
    assert assignees[0] != assignees[1] and assignees == assignees[:2] * 2  # they alternate
