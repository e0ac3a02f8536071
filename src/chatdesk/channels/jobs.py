"""Job kinds of the channels layer: processing a stored webhook body."""
from __future__ import annotations

from ..core.jobs import JobKind, JobPayload


class ProcessInbound(JobPayload):
    """Parse and apply one stored webhook body (``inbound_events.id``)."""

    event_id: int


INBOUND_PROCESS = JobKind("inbound.process", ProcessInbound)
