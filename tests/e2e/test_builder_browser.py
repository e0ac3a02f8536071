"""In a real browser: an agent builds a list message in the composer; the counter shows each
field against the channel's limit, the 11th row is refused in place, and the list sent reaches
the sandbox's customer through the one send path."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import Servers, shot

pytestmark = pytest.mark.e2e
WA = "31647000110"


def _lists_received(servers: Servers) -> list[dict]:
    return [m["request"]["interactive"] for m in servers.received(WA) if m["type"] == "interactive"]


def test_a_list_built_in_the_composer_refuses_the_11th_row_and_reaches_the_customer(new_page, servers):
    page = new_page()
    servers.customer_says(WA, "Which delivery slots do you have?", name="Lotte Lijst")
    page.locator(".conv-item", has_text="Lotte Lijst").click()
    expect(page.locator(".msg.in").last).to_contain_text("delivery slots")

    page.click(".builder-open[data-builder=list]")
    builder = page.locator("#builder")
    expect(builder).to_be_visible()
    builder.locator("[data-path=text]").fill("Pick a delivery slot")
    builder.locator("[data-path=button]").fill("Choose a slot for me!!")  # 22 characters: over the 20
    expect(builder.locator("[data-path=button] + .count")).to_have_text("22/20")
    expect(builder.locator("[data-path=button] ~ .ferr")).to_contain_text("at most 20 characters")
    builder.locator("[data-path=button]").fill("Slots")
    expect(builder.locator("[data-path=button] + .count")).to_have_text("5/20")

    section = builder.locator(".bsection").first
    section.locator("[data-limit=section_title_max]").fill("Tomorrow")
    for i in range(10):
        if i:
            section.locator("[data-add=row]").click()
        section.locator(".brow").nth(i).locator("[data-limit=row_title_max]").fill(f"{8 + i}:00")
    expect(builder.locator(".brow")).to_have_count(10)
    section.locator("[data-add=row]").click()  # the 11th
    expect(builder.locator(".brow")).to_have_count(10)
    expect(builder.locator(".builder-error")).to_have_text("A list has at most 10 rows")
    shot(page, "builder-11th-row")

    page.click("#send-btn")
    expect(page.locator(".msg.out").last).to_contain_text("Pick a delivery slot")
    expect(builder).to_be_hidden()
    end = time.monotonic() + 15
    while not _lists_received(servers):
        assert time.monotonic() < end, "the sandbox never received the list"
        time.sleep(0.1)
    (sent,) = _lists_received(servers)
    assert sent["type"] == "list" and sent["action"]["button"] == "Slots"
    assert [r["title"] for r in sent["action"]["sections"][0]["rows"]] == [f"{8 + i}:00" for i in range(10)]
