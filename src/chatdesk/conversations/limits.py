"""WhatsApp messaging limits, pure: how many business-initiated conversations a number may open
in a rolling 24 hours, and whether one more may start now. No I/O: functions of data and ``now``.

A business-initiated conversation is a template sent to a customer whose service window is
closed (or who never wrote). Meta counts unique customers reached that way in a moving 24 h
window against the number's tier (``phone_number_quality_update`` webhooks name it; SPEC §3.2,
Meta's webhook reference). A customer already counted in the window costs nothing more.

Tier names are Meta's: ``TIER_2K`` replaced ``TIER_1K`` in Meta's 2025 messaging-limit change
(the reference still says 1K); both are read. ``TIER_NOT_SET`` (the number has not sent yet)
and an unknown tier are not enforced: Meta refuses what it must, and we would only guess.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .policy import Refusal

ROLLING = timedelta(hours=24)
WARN_AT = 0.8  # the share of the limit from which agents are warned
TIERS: Mapping[str, int | None] = {  # None: no limit
    "TIER_50": 50, "TIER_250": 250, "TIER_1K": 1_000, "TIER_2K": 2_000, "TIER_10K": 10_000,
    "TIER_100K": 100_000, "TIER_UNLIMITED": None,
}
SETTABLE = ("TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED")  # the scaling path
QUALITIES = ("GREEN", "YELLOW", "RED")
# phone_number_quality_update ``event`` values that say what the quality rating became
QUALITY_EVENTS: Mapping[str, str] = {"FLAGGED": "RED", "UNFLAGGED": "GREEN"}


def limit_of(tier: str | None) -> int | None:
    """The number of conversations a tier allows in 24 h; None: unlimited or not known."""
    return TIERS.get(tier or "")


@dataclass(frozen=True)
class Usage:
    """A number's business-initiated conversations in the last 24 h."""

    tier: str | None
    limit: int | None
    used: int
    frees_at: datetime | None  # when the oldest counted conversation leaves the window

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit else 0.0

    @property
    def warning(self) -> bool:
        return self.limit is not None and self.share >= WARN_AT


def usage(tier: str | None, first_sent: Mapping[int, datetime], now: datetime) -> Usage:
    """``first_sent``: each customer's (contact id) first business-initiated send of the last
    24 h; earlier ones are ignored."""
    counted = sorted(at for at in first_sent.values() if at > now - ROLLING)
    frees_at = counted[0] + ROLLING if counted else None
    return Usage(tier, limit_of(tier), len(counted), frees_at)


@dataclass(frozen=True)
class Decision:
    refusal: Refusal | None
    counts: bool        # does this send open a new counted conversation?
    crosses_warning: bool  # does it take the number to the warning share (emit the event once)?


def decide(tier: str | None, first_sent: Mapping[int, datetime], contact_id: int, now: datetime) -> Decision:
    """May a business-initiated conversation with ``contact_id`` start now?"""
    before = usage(tier, first_sent, now)
    already = contact_id in first_sent and first_sent[contact_id] > now - ROLLING
    if already or before.limit is None:
        return Decision(None, not already, False)
    if before.used >= before.limit:
        return Decision(limit_refusal(before), False, False)
    after = before.used + 1
    return Decision(None, True, before.used < WARN_AT * before.limit <= after)


def limit_refusal(u: Usage) -> Refusal:
    frees = u.frees_at.strftime("%Y-%m-%d %H:%M UTC") if u.frees_at else "-"
    return Refusal("messaging_limit_reached", "The number's messaging limit is reached",
                   "This number may start %(limit)s conversations in 24 hours and has started %(used)s; "
                   "the next one frees up at %(frees_at)s.",
                   {"limit": str(u.limit), "used": str(u.used), "frees_at": frees}, status=429)
