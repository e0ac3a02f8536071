"""A job kind for tests of the job machinery itself (any name, one small payload model)."""
from __future__ import annotations

from chatdesk.core.jobs import JobKind, JobPayload


class Item(JobPayload):
    i: int = 0
    pad: str = ""


def kind(name: str) -> JobKind[Item]:
    """The test kind called ``name`` (equal kinds compare equal, so handlers can be keyed by it)."""
    return JobKind(name, Item)
