"""Messaging limits, table-driven and pure: who counts, when the limit refuses, when it warns."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatdesk.conversations import limits

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def sent(n: int, start: datetime = NOW - 10 * H) -> dict[int, datetime]:
    """``n`` customers reached, one a minute from ``start``."""
    return {i: start + timedelta(minutes=i) for i in range(1, n + 1)}


@pytest.mark.parametrize("tier,limit", [
    ("TIER_50", 50), ("TIER_250", 250), ("TIER_1K", 1000), ("TIER_2K", 2000), ("TIER_10K", 10_000),
    ("TIER_100K", 100_000), ("TIER_UNLIMITED", None), ("TIER_NOT_SET", None), (None, None), ("nonsense", None),
])
def test_tiers(tier, limit):
    assert limits.limit_of(tier) == limit


@pytest.mark.parametrize("tier,first,contact,refused,counts,warns", [
    ("TIER_250", {}, 1, False, True, False),                      # the first one
    ("TIER_250", sent(249), 999, False, True, False),             # the last one that fits
    ("TIER_250", sent(250), 999, True, False, False),             # one over: refused
    ("TIER_250", sent(250), 7, False, False, False),              # already reached today: free
    ("TIER_250", sent(250, NOW - 30 * H), 999, False, True, False),  # all left the window
    ("TIER_250", sent(199), 999, False, True, True),              # the 200th (80 %) warns
    ("TIER_250", sent(200), 999, False, True, False),             # ...once, not again
    ("TIER_50", sent(39), 999, False, True, True),                # 40 of 50
    ("TIER_UNLIMITED", sent(10_000), 999_999, False, True, False),
    (None, sent(10_000), 999_999, False, True, False),            # unknown tier: not enforced
    ("TIER_250", {1: NOW - 25 * H}, 1, False, True, False),       # counted yesterday: counts again
])
def test_decide(tier, first, contact, refused, counts, warns):
    d = limits.decide(tier, first, contact, NOW)
    assert (d.refusal is not None, d.counts, d.crosses_warning) == (refused, counts, warns)


def test_the_refusal_says_when_the_oldest_counted_conversation_frees_up():
    first = sent(50, NOW - 23 * H)  # the oldest at NOW - 23 h + 1 min
    d = limits.decide("TIER_50", first, 999, NOW)
    assert d.refusal is not None and d.refusal.code == "messaging_limit_reached" and d.refusal.status == 429
    assert d.refusal.values["frees_at"] == "2026-11-30 13:01 UTC"
    u = limits.usage("TIER_50", first, NOW)
    assert (u.used, u.limit, u.frees_at, u.warning) == (50, 50, NOW + H + timedelta(minutes=1), True)


@pytest.mark.parametrize("used,tier,warning", [
    (0, "TIER_250", False), (199, "TIER_250", False), (200, "TIER_250", True), (5, None, False),
    (10, "TIER_UNLIMITED", False),
])
def test_usage_warning(used, tier, warning):
    assert limits.usage(tier, sent(used), NOW).warning is warning
