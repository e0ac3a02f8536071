"""What a business message costs, as the ``pricing`` object of its status webhooks (per-message
pricing, ``pricing_model: PMP``; SPEC §3.4).

A rule table decides: each rule names a message category (``service`` for non-template messages,
else the template's category), whether the customer service window is open (None = either way),
and the first day it applies; the latest rule in force on the day the message is sent wins.
Meta stops giving service messages and in-window utility templates away on 2026-10-01. What the
webhook says for them after that is not shown by any source (SPEC §3.4); the default table
follows the inference there: ``type: regular``, ``billable: true``, category unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chatdesk.channels.whatsapp.payloads import Pricing

CHARGED_FROM = date(2026, 10, 1)
EPOCH = date(2025, 7, 1)   # per-message pricing starts


@dataclass(frozen=True)
class PriceRule:
    category: str                 # service, utility, marketing, authentication
    in_window: bool | None        # None: whether or not the window is open
    starts: date
    type: str                     # regular, free_customer_service
    billable: bool


DEFAULT_RULES: tuple[PriceRule, ...] = (
    PriceRule("service", None, EPOCH, "free_customer_service", False),
    PriceRule("service", None, CHARGED_FROM, "regular", True),
    PriceRule("utility", True, EPOCH, "free_customer_service", False),
    PriceRule("utility", True, CHARGED_FROM, "regular", True),
    PriceRule("utility", False, EPOCH, "regular", True),
    PriceRule("marketing", None, EPOCH, "regular", True),
    PriceRule("authentication", None, EPOCH, "regular", True),
)


def price(rules: tuple[PriceRule, ...], category: str, in_window: bool,
          on: date) -> Pricing:
    """The pricing object for a message of ``category`` sent on ``on``; categories without a rule
    are charged (``regular``), as every template outside a free window is."""
    matching = [r for r in rules if r.category == category and r.starts <= on
                and r.in_window in (None, in_window)]
    rule = max(matching, key=lambda r: r.starts, default=None)
    kind, billable = (rule.type, rule.billable) if rule else ("regular", True)
    return Pricing(billable=billable, pricing_model="PMP", category=category, type=kind)
