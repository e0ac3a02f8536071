"""Per-message pricing, table-driven and pure: which receipt's pricing a message keeps."""
from __future__ import annotations

import pytest

from chatdesk.conversations import costs, policy
from chatdesk.conversations.costs import Cost

FREE = {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}
PAID = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
FREE_COST = Cost("service", "free_customer_service", False, "PMP")
PAID_COST = Cost("utility", "regular", True, "PMP")


def receive(receipts: list[tuple[str, dict | None]], status: str = "pending") -> tuple[str, Cost]:
    """Apply receipts in arrival order as the service does: the cost first, then the status."""
    cost = Cost()
    for incoming, pricing in receipts:
        cost = costs.merge(cost, costs.from_pricing(pricing), overrides=costs.outranks(incoming, status))
        status = policy.next_status(status, incoming) or status
    return status, cost


@pytest.mark.parametrize("receipts,status,cost", [
    ([], "pending", Cost()),
    ([("sent", FREE)], "sent", FREE_COST),
    ([("sent", None), ("delivered", FREE)], "delivered", FREE_COST),             # on delivered only
    ([("sent", FREE), ("delivered", None), ("read", None)], "read", FREE_COST),  # later receipts keep it
    ([("sent", FREE), ("read", None)], "read", FREE_COST),                       # delivered skipped
    ([("read", None), ("sent", FREE)], "read", FREE_COST),                       # late sent still counts
    ([("read", None), ("delivered", FREE), ("sent", PAID)], "read", FREE_COST),  # ...but not over a higher one
    ([("sent", PAID), ("delivered", FREE)], "delivered", FREE_COST),             # the higher one speaks last
    ([("delivered", {"category": "marketing"}), ("sent", PAID)], "delivered",
     Cost("marketing", "regular", True, "PMP")),                                 # a late one fills gaps only
    ([("sent", FREE), ("failed", None)], "failed", FREE_COST),                   # failed never erases it
    ([("sent", FREE), ("sent", FREE)], "sent", FREE_COST),                       # replay
])
def test_a_message_keeps_the_pricing_of_its_highest_receipt(receipts, status, cost):
    assert receive(receipts) == (status, cost)


@pytest.mark.parametrize("pricing,cost", [
    (None, Cost()),
    ({}, Cost()),
    (FREE, FREE_COST),
    ({"category": "marketing", "type": "regular"}, Cost("marketing", "regular", None, None)),  # billable may go
    ({"billable": "yes", "category": 7, "type": ""}, Cost()),           # wrong types are unknown, not guessed
    ({"category": "x" * 50, "pricing_model": "P" * 40}, Cost("x" * 32, None, None, "P" * 16)),
    ({**FREE, "conversation": {"id": "c1"}}, FREE_COST),                 # unknown keys are ignored
])
def test_pricing_objects_are_read_leniently(pricing, cost):
    assert costs.from_pricing(pricing) == cost


@pytest.mark.parametrize("incoming,current,expected", [
    ("sent", "pending", True), ("sent", "sent", True), ("delivered", "sent", True), ("read", "delivered", True),
    ("sent", "read", False), ("delivered", "read", False), ("failed", "sent", False), ("played", "sent", False),
    ("sent", "failed", True),
])
def test_outranks(incoming, current, expected):
    assert costs.outranks(incoming, current) is expected


def test_known():
    assert not Cost().known and Cost(billable=False).known
