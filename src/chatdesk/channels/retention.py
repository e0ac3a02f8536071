"""What the channels layer keeps only for a while (see ``core.retention``): webhook bodies
once processed (unprocessed ones are never pruned: ``processed_at`` is NULL) and delivery
receipts."""
from __future__ import annotations

from ..core.db import table_of
from ..core.retention import Prunable
from .models import DeliveryStatus, InboundEvent

PRUNABLE = [
    Prunable(table_of(InboundEvent), "processed_at"),
    Prunable(table_of(DeliveryStatus), "occurred_at"),
]
