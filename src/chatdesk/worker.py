"""Composition root of the job worker: which handler runs which job kind, and the periodic jobs."""
from __future__ import annotations

from .accounts import sessions as browser_sessions
from .channels import retention as channels_retention
from .channels.jobs import INBOUND_PROCESS
from .channels.templates.jobs import TEMPLATES_SCHEDULE, TEMPLATES_SYNC, sync_handler
from .contacts.imports import IMPORT_CONTACTS, import_handler
from .contacts.profiles import FETCH_PROFILE, profile_handler
from .conversations import routing, tasks
from .conversations.budgets import BUDGET_CHECK, BUDGET_SCHEDULE, budget_handler
from .conversations.ingest import inbound_handler
from .conversations.jobs import FETCH_MEDIA, MARK_READ, SEND_MESSAGE
from .core.db import table_of
from .core.events import StoredEvent
from .core.idempotency import IdempotencyKey
from .core.media import MediaStore
from .core.metrics import Metrics
from .core.retention import RETENTION, RETENTION_SCHEDULE, Prunable, retention_handler
from .core.runner import Handlers, Wakeup, Worker
from .core.runtime import Runtime
from .core.scheduler import Periodic, Scheduler
from .notifications.jobs import FANOUT, FANOUT_SCHEDULE, fanout_handler
from .notifications.models import Notification

# What retention prunes, by domain (core.retention): one line per domain.
PRUNABLE: list[Prunable] = [
    *channels_retention.PRUNABLE,
    *browser_sessions.PRUNABLE,  # expired sign-ins
    Prunable(table_of(IdempotencyKey), "created_at"),  # answered within 24 h; kept for the retention days
    Prunable(table_of(StoredEvent), "occurred_at"),  # domain events: consumers read within days
    Prunable(table_of(Notification), "at"),  # agents' notifications: the bell shows the newest
]
# The jobs that message customers: held back while sending is paused (core.sending_pause).
SENDING_KINDS = frozenset({SEND_MESSAGE.name})
# The periodic jobs (core.scheduler); their kinds need a handler below.
SCHEDULES: list[Periodic] = [RETENTION_SCHEDULE, TEMPLATES_SCHEDULE, BUDGET_SCHEDULE, FANOUT_SCHEDULE]


def build_handlers(rt: Runtime, metrics: Metrics) -> Handlers:
    media = MediaStore(rt.settings.media_dir)
    return Handlers(
        batch={INBOUND_PROCESS: inbound_handler(rt)},
        single={
            SEND_MESSAGE: tasks.send_handler(rt, media, metrics),
            FETCH_MEDIA: tasks.media_handler(rt, media),
            MARK_READ: tasks.read_handler(rt),
            TEMPLATES_SYNC: sync_handler(rt),
            FETCH_PROFILE: profile_handler(rt, media),
            RETENTION: retention_handler(rt.db, rt.clock, rt.settings.retention_days, PRUNABLE),
            BUDGET_CHECK: budget_handler(rt.db, rt.clock),
            routing.ROUTE: routing.route_handler(rt.db, rt.clock),
            IMPORT_CONTACTS: import_handler(rt.db, rt.clock),
            FANOUT: fanout_handler(rt.db, rt.clock),
        },
    )


def build_worker(rt: Runtime, metrics: Metrics, wakeup: Wakeup, *, concurrency: int | None = None) -> Worker:
    async def held() -> frozenset[str]:  # while sending is paused its jobs stay queued, unclaimed
        return SENDING_KINDS if await rt.sending.paused() else frozenset()

    return Worker(rt.db, rt.clock, build_handlers(rt, metrics), wakeup=wakeup,
                  concurrency=concurrency or rt.settings.worker_concurrency,
                  batch_size=rt.settings.worker_batch, lease=rt.settings.job_lease_seconds, metrics=metrics,
                  scheduler=Scheduler(rt.db, rt.clock, SCHEDULES), held=held)
