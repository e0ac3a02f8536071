"""Per-message pricing by date (SPEC §3.4): service messages and in-window utility templates are
free until 2026-10-01 and charged from then on; the rule table can be replaced."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chatdesk.sandbox.pricing import CHARGED_FROM, DEFAULT_RULES, PriceRule, price
from tests.sandbox.sandbox_helpers import ALEX, BEFORE_OCTOBER, Clock, text, wait_for

SEPT, OCT = date(2026, 9, 30), CHARGED_FROM


@pytest.mark.parametrize(("category", "in_window", "on", "kind", "billable"), [
    ("service", True, SEPT, "free_customer_service", False),
    ("service", True, OCT, "regular", True),
    ("utility", True, SEPT, "free_customer_service", False),
    ("utility", True, OCT, "regular", True),
    ("utility", False, SEPT, "regular", True),
    ("marketing", True, SEPT, "regular", True),
    ("authentication", True, SEPT, "regular", True),
    ("marketing_lite", True, SEPT, "regular", True),   # no rule: charged
])
def test_default_rules(category: str, in_window: bool, on: date, kind: str, billable: bool):
    pricing = price(DEFAULT_RULES, category, in_window, on)
    assert pricing.wire() == {"billable": billable, "pricing_model": "PMP",
                              "category": category, "type": kind}


def test_the_table_is_configurable():
    rules = (*DEFAULT_RULES, PriceRule("service", None, date(2027, 1, 1),
                                       "free_customer_service", False))
    assert price(rules, "service", True, date(2026, 12, 1)).type == "regular"
    assert price(rules, "service", True, date(2027, 1, 2)).billable is False


async def service_pricing(make_harness, now: datetime, **config) -> dict:
    h = await make_harness(clock=Clock(now), **config)
    await h.customer(ALEX, type="text", text="hi")
    wamid = (await h.send(text())).json()["messages"][0]["id"]
    sent = await wait_for(lambda: [s for s in h.receiver.statuses()
                                   if s["id"] == wamid and s["status"] == "sent"])
    return sent[0]["pricing"]


async def test_service_messages_are_charged_from_october_2026(make_harness):
    assert (await service_pricing(make_harness, BEFORE_OCTOBER))["type"] == "free_customer_service"
    after = await service_pricing(make_harness, datetime(2026, 10, 1, 9, tzinfo=UTC))
    assert after == {"billable": True, "pricing_model": "PMP", "category": "service",
                     "type": "regular"}


async def test_sandbox_uses_the_configured_table(make_harness):
    free = (PriceRule("service", None, date(2025, 7, 1), "free_customer_service", False),)
    pricing = await service_pricing(make_harness, datetime(2026, 11, 1, tzinfo=UTC),
                                    pricing_rules=free)
    assert pricing["billable"] is False
