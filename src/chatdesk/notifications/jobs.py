"""The notifications job: the fan-out (``fanout.run``), ticked every second by the scheduler."""
from __future__ import annotations

from typing import Any

from ..core.clock import Clock
from ..core.db import Database
from ..core.jobs import JobKind, JobPayload
from ..core.scheduler import Periodic
from . import fanout


class Fanout(JobPayload):
    pass


FANOUT = JobKind("notifications.fanout", Fanout)
# Every second: an agent hears of an assignment or a mention within a second or two.
FANOUT_SCHEDULE = Periodic("notifications.fanout", every=1, kind=FANOUT, payload=Fanout())


def fanout_handler(db: Database, clock: Clock) -> Any:
    async def handle(job: Any) -> None:
        async with db.session() as session:
            await fanout.run(session, clock.now())
    return handle
