"""What an outbound message costs, as the provider reports it: pure, no I/O.

Under per-message pricing Meta puts a ``pricing`` object on the ``sent`` receipt and on ONE of
``delivered``/``read`` (never on ``failed``), and receipts arrive out of order. A message keeps
the pricing of the highest status that carried one: a receipt without pricing never erases it,
and a lower receipt that arrives late (``sent`` after ``read``) only fills what is still unknown.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ..core.states import OUTBOUND_ORDER

# Column widths (messages.cost_*): longer values from the wire are cut, never refused.
TEXT_MAX = {"category": 32, "type": 32, "pricing_model": 16}


@dataclass(frozen=True)
class Cost:
    """The pricing of one message: ``category`` (marketing, utility, authentication, service,
    ...), ``type`` (regular, free_customer_service, free_entry_point), ``billable`` and the
    ``pricing_model`` (PMP; CBP before July 2025). None: not reported (yet)."""

    category: str | None = None
    type: str | None = None
    billable: bool | None = None
    pricing_model: str | None = None

    @property
    def known(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


def from_pricing(pricing: Mapping[str, Any] | None) -> Cost:
    """A receipt's pricing object as a ``Cost``; fields of the wrong type are left unknown."""
    if not pricing:
        return Cost()
    texts = {key: value[:size] for key, size in TEXT_MAX.items()
             if isinstance(value := pricing.get(key), str) and value}
    billable = pricing.get("billable")
    return Cost(billable=billable if isinstance(billable, bool) else None, **texts)


def outranks(incoming: str, current: str) -> bool:
    """Does a receipt with status ``incoming`` speak for the message at least as recently as
    its ``current`` status? (A late ``sent`` after ``read`` does not; ``failed`` never does.)"""
    if incoming not in OUTBOUND_ORDER:
        return False
    return current not in OUTBOUND_ORDER or OUTBOUND_ORDER.index(incoming) >= OUTBOUND_ORDER.index(current)


def merge(current: Cost, incoming: Cost, *, overrides: bool) -> Cost:
    """``current`` after a receipt reporting ``incoming``: the receipt's known fields replace the
    current ones when it ``overrides`` (see ``outranks``), else they only fill unknown ones."""
    taken = {f.name: value for f in fields(incoming)
             if (value := getattr(incoming, f.name)) is not None
             and (overrides or getattr(current, f.name) is None)}
    return replace(current, **taken) if taken else current
