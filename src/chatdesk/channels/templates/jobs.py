"""Job kinds of templates: a sync of one channel (queued when a channel is connected) or of
every channel (hourly, through the scheduler)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ...core.jobs import ClaimedJob, JobKind, JobPayload, enqueue
from ...core.runtime import Runtime
from ...core.scheduler import Periodic
from ..base import ChannelError
from ..models import Channel
from ..registry import adapter_class
from . import service

log = logging.getLogger("chatdesk.templates")
HOUR = 3600


class SyncTemplates(JobPayload):
    """Sync one channel's templates (``channel_id``) or, without one, every channel's."""

    channel_id: int | None = None


TEMPLATES_SYNC = JobKind("templates.sync", SyncTemplates)
TEMPLATES_SCHEDULE = Periodic("templates.sync", every=HOUR, kind=TEMPLATES_SYNC, payload=SyncTemplates())


def queue_sync(session: AsyncSession, channel: Channel, now: datetime) -> None:
    """On connect: the new channel's templates fetched by the worker, in the caller's transaction."""
    if hasattr(adapter_class(channel.kind), "list_templates"):  # a TemplateProvider
        enqueue(session, TEMPLATES_SYNC, SyncTemplates(channel_id=channel.id), now=now)


def sync_handler(rt: Runtime) -> Any:
    async def handle(job: ClaimedJob) -> None:
        wanted = TEMPLATES_SYNC.parse(job).channel_id
        async with rt.db.reader() as session:
            query = select(Channel.id)
            ids = list((await session.execute(query.where(Channel.id == wanted) if wanted else query)).scalars())
            refs = [r for r in [await rt.channels.by_id(session, i) for i in ids] if r is not None]
        for ref in refs:
            if not isinstance(rt.registry.get(ref.kind), service.TemplateProvider):
                continue
            try:  # one channel's failure (a revoked token) must not cost the others their sync
                await service.sync(rt, ref)
            except ChannelError as exc:
                log.warning("templates of channel %s not synced: %s", ref.id, exc)
    return handle
