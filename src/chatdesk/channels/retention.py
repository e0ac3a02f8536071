"""What the channels layer keeps only for a while (see ``core.retention``): webhook bodies
once processed (unprocessed ones are never pruned: ``processed_at`` is NULL) and delivery
receipts."""
from __future__ import annotations

from ..core.retention import Prunable
from .models import DeliveryStatus, InboundEvent

PRUNABLE = [
    Prunable(InboundEvent.__table__, "processed_at"),
    Prunable(DeliveryStatus.__table__, "occurred_at"),
]
