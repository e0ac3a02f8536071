"""Job kinds of the conversations domain (handled in ``tasks.py``): each names one message."""
from __future__ import annotations

from ..core.jobs import JobKind, JobPayload


class SendMessage(JobPayload):
    """Hand a queued outbound message to its channel."""

    message_id: int


class FetchMedia(JobPayload):
    """Download an inbound message's media into the media store."""

    message_id: int


class MarkRead(JobPayload):
    """Tell the customer's app the agent has read up to this inbound message."""

    message_id: int


SEND_MESSAGE = JobKind("message.send", SendMessage)
FETCH_MEDIA = JobKind("media.fetch", FetchMedia)
MARK_READ = JobKind("message.mark_read", MarkRead)
