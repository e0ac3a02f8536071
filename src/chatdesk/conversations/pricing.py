"""What a message costs in money, pure: the rate card shipped with chatdesk
(``rate_card.csv``: market, category, price, currency, the day it holds from), a workspace's own
rates over it, and the market of a customer's phone number. No I/O beyond reading the card once.

A message is priced from its provider-reported pricing (``costs.Cost``): not billable → free (0,
and counted as free); billable → the rate of its category in the customer's market on the day it
was sent; pricing not reported yet → not priced (None). Amounts are integers in millionths of the
card's currency, so sums never drift.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

import phonenumbers

OTHER = "*"  # every market without rates of its own
# categories Meta charges at another category's rate (Marketing Messages Lite: the marketing rate)
RATED_AS = {"marketing_lite": "marketing"}
MICROS = 1_000_000


@dataclass(frozen=True)
class Rate:
    market: str
    category: str
    price_micros: int
    valid_from: date


@dataclass(frozen=True)
class RateCard:
    currency: str
    rates: tuple[Rate, ...]


def to_micros(price: str | Decimal) -> int:
    return int((Decimal(price) * MICROS).to_integral_value())


def from_micros(micros: int) -> Decimal:
    return Decimal(micros) / MICROS


def read_card(lines: Iterable[str]) -> RateCard:
    """A card from CSV lines (``#`` lines are comments); one currency per card."""
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#") and line.strip()))
    currencies = {row["currency"] for row in rows}
    if len(currencies) != 1:
        raise ValueError(f"a rate card has one currency, this has {sorted(currencies)}")
    rates = tuple(Rate(row["market"].upper(), row["category"].lower(), to_micros(row["price"]),
                       date.fromisoformat(row["valid_from"])) for row in rows)
    return RateCard(currencies.pop(), rates)


@cache
def shipped_card() -> RateCard:
    text = resources.files("chatdesk.conversations").joinpath("rate_card.csv").read_text("utf-8")
    return read_card(text.splitlines())


def market_of(phone: str | None) -> str:
    """The ISO country of a phone number in international form (with or without +), else ``*``."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if not digits:
        return OTHER
    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return OTHER
    # a number the library does not know as valid (test ranges: +1 555...) still has a country code
    region = phonenumbers.region_code_for_number(number) or \
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    return region if region and region not in ("ZZ", "001") else OTHER


def rate_for(rates: Iterable[Rate], market: str, category: str, on: date) -> Rate | None:
    """The latest rate of ``category`` in ``market`` in force on ``on``."""
    found = [r for r in rates if r.market == market and r.category == category and r.valid_from <= on]
    return max(found, key=lambda r: r.valid_from, default=None)


def price(card: RateCard, overrides: tuple[Rate, ...], *, billable: bool | None, category: str | None,
          market: str, on: date) -> int | None:
    """A message's price in micros: 0 when free, None while its pricing is not known. The
    market's own rate wins over "other markets"; a workspace's rate wins over the card's."""
    if billable is False:
        return 0
    if billable is None or not category:
        return None
    category = RATED_AS.get(category, category)
    for where in dict.fromkeys((market, OTHER)):
        for rates in (overrides, card.rates):
            rate = rate_for(rates, where, category, on)
            if rate is not None:
                return rate.price_micros
    return None


def money(micros: int, currency: str) -> str:
    """An amount as people read it: ``USD 1.2345`` (four places: per-message rates need them)."""
    return f"{currency} {from_micros(micros).quantize(Decimal('0.0001'))}"
