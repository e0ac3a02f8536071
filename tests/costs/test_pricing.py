"""Pricing, table-driven and pure: the shipped rate card, a workspace's own rates over it, and
the market of a customer's number."""
from __future__ import annotations

from datetime import date

import pytest

from chatdesk.conversations import pricing
from chatdesk.conversations.pricing import Rate

CARD = pricing.shipped_card()
BEFORE, AFTER = date(2026, 9, 30), date(2026, 10, 1)  # service messages are charged from 2026-10-01


@pytest.mark.parametrize("phone,market", [
    ("+31612345678", "NL"), ("31612345678", "NL"), ("4915112345678", "DE"), ("+1 415 555 2671", "US"),
    ("+14165552671", "CA"), ("+447700900123", "GB"), ("15550002222", "US"), ("", "*"), (None, "*"),
    ("999", "*"), ("+80012345678", "*"),
])
def test_market_of(phone, market):
    assert pricing.market_of(phone) == market


@pytest.mark.parametrize("billable,category,market,on,micros", [
    (False, "service", "NL", BEFORE, 0),                 # free: counted as free
    (False, "utility", "NL", BEFORE, 0),                 # in-window utility before October
    (None, "marketing", "NL", BEFORE, None),             # not reported yet: not priced
    (True, None, "NL", BEFORE, None),
    (True, "marketing", "NL", BEFORE, 159_700),
    (True, "utility", "NL", BEFORE, 50_000),
    (True, "authentication", "DE", BEFORE, 76_800),
    (True, "marketing", "US", BEFORE, 25_000),
    (True, "marketing", "JP", BEFORE, 60_400),           # no rates of its own: "other markets"
    (True, "marketing", "*", BEFORE, 60_400),
    (True, "service", "NL", BEFORE, None),               # no service rate before October
    (True, "service", "NL", AFTER, 50_000),
    (True, "service", "JP", AFTER, 7_700),
    (True, "marketing", "NL", date(2025, 6, 30), None),  # before per-message pricing
    (True, "marketing_lite", "NL", BEFORE, 159_700),     # Marketing Messages Lite: the marketing rate
    (True, "authentication_international", "NL", BEFORE, None),  # no rate on the card: unpriced
])
def test_price_from_the_shipped_card(billable, category, market, on, micros):
    assert pricing.price(CARD, (), billable=billable, category=category, market=market, on=on) == micros


OWN = (Rate("NL", "marketing", 120_000, date(2026, 1, 1)), Rate("*", "utility", 1_000, date(2026, 1, 1)))


@pytest.mark.parametrize("category,market,on,micros", [
    ("marketing", "NL", BEFORE, 120_000),          # the workspace's rate wins
    ("marketing", "NL", date(2025, 12, 31), 159_700),  # ...from the day it holds
    ("marketing", "DE", BEFORE, 136_500),          # other markets keep the card
    ("utility", "NL", BEFORE, 50_000),             # the market's own card rate beats an override for "*"
    ("utility", "JP", BEFORE, 1_000),              # ...but "*" overrides the card's "*"
])
def test_workspace_rates_override_the_card(category, market, on, micros):
    assert pricing.price(CARD, OWN, billable=True, category=category, market=market, on=on) == micros


def test_the_card_cites_its_source_and_has_one_currency():
    assert CARD.currency == "USD"
    assert {r.category for r in CARD.rates} == {"marketing", "utility", "authentication", "service"}
    from importlib import resources
    head = resources.files("chatdesk.conversations").joinpath("rate_card.csv").read_text().splitlines()[:4]
    assert any("developers.facebook.com/docs/whatsapp/pricing" in line for line in head)


def test_money():
    assert pricing.money(159_700, "USD") == "USD 0.1597" and pricing.to_micros("0.0034") == 3_400
