"""In a real browser: a day of sandbox traffic (a German customer writes, an agent replies twice)
priced from the sandbox's status webhooks; Settings → Costs shows that spend, by country, equal to
what the shipped rate card gives, in its figures and its chart."""
from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from chatdesk.conversations import pricing

from .conftest import shot

pytestmark = pytest.mark.e2e
CHARGED_FROM = date(2026, 10, 1)
CUSTOMER = "4915112340010"  # a German number: the only DE traffic of the session's workspace


def expected_de_spend(replies: int) -> Decimal:
    """What the card says the replies cost: service messages are charged from 2026-10-01."""
    today = datetime.now(UTC).date()
    card = pricing.shipped_card()
    rate = pricing.price(card, (), billable=True, category="service", market="DE", on=today) \
        if today >= CHARGED_FROM else 0
    return pricing.from_micros((rate or 0) * replies)


def test_the_costs_page_shows_a_days_spend_matching_the_rate_card(new_page, servers):
    page = new_page()
    servers.customer_says(CUSTOMER, "Guten Tag, wo ist meine Bestellung?", name="Greta Kosten")
    page.locator(".conv-item", has_text="Greta Kosten").click()
    expect(page.locator(".msg.in").last).to_contain_text("Bestellung")
    for text in ("Sie ist unterwegs.", "Morgen ist sie da."):
        page.fill("#composer-text", text)
        page.keyboard.press("Enter")
        expect(page.locator(".msg.out").last).to_contain_text(text)
    expect(page.locator(".msg.out .ticks.read")).to_have_count(2, timeout=30000)  # receipts (with pricing) in

    want = expected_de_spend(2)
    page.goto(page.url.split("/c/")[0].rstrip("/") + "/settings/costs?group_by=country")
    row = page.locator("#costs-table tr[data-key='DE']")
    end = time.monotonic() + 15
    while Decimal(row.locator("td.amount").inner_text() or "0") != want and time.monotonic() < end:
        time.sleep(0.3)
        page.reload()
    expect(row.locator("td").nth(1)).to_have_text("2")                  # two messages
    assert Decimal(row.locator("td.amount").inner_text()) == want     # priced by the card
    bar = page.locator("#costs-chart rect[data-key='DE']")
    assert Decimal(bar.get_attribute("data-amount")) == want
    with page.expect_download() as download:                           # the CSV has the same figures
        page.click("#costs-export")
    lines = Path(download.value.path()).read_text().splitlines()
    de = [line.split(",") for line in lines[1:] if line.split(",")[5] == "DE"]
    assert len(de) == 2 and sum(Decimal(r[-1]) for r in de) == want
    shot(page, "costs-by-country")
