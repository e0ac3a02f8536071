"""Processing stored webhook bodies again (``chatdesk events replay``): each body received in a
time range gets a new ``inbound.process`` job. Ingest is idempotent (messages once per provider
id, receipts once per message and status, statuses only forward), so a replay adds what was
missed, for instance after a bug fix in parsing, and changes nothing else."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..core.db import Database
from ..core.jobs import enqueue_many
from .jobs import INBOUND_PROCESS, ProcessInbound
from .models import Channel, InboundEvent

CHUNK = 1000  # bodies queued per transaction


async def replay_inbound(db: Database, *, since: datetime, until: datetime, now: datetime,
                         workspace_id: int | None = None) -> int:
    """Queue every body received in ``[since, until)`` (of one workspace's channels, if given)
    for processing again; returns how many were queued."""
    query = select(InboundEvent.id).where(InboundEvent.received_at >= since, InboundEvent.received_at < until)
    if workspace_id is not None:
        query = query.where(InboundEvent.channel_id.in_(
            select(Channel.id).where(Channel.workspace_id == workspace_id)))
    total, after = 0, 0
    while True:
        async with db.session() as session:
            ids = list((await session.execute(query.where(InboundEvent.id > after)
                                              .order_by(InboundEvent.id).limit(CHUNK))).scalars())
            await enqueue_many(session, INBOUND_PROCESS, [ProcessInbound(event_id=i) for i in ids], now=now)
        total += len(ids)
        if len(ids) < CHUNK:
            return total
        after = ids[-1]
