"""Composition root of the job worker: which handler runs which job kind."""
from __future__ import annotations

from .channels.webhooks import PROCESS_JOB
from .conversations import tasks
from .conversations.ingest import inbound_handler
from .conversations.service import MEDIA_JOB, READ_JOB, SEND_JOB
from .core.media import MediaStore
from .core.metrics import Metrics
from .core.runner import Handlers, Wakeup, Worker
from .core.runtime import Runtime


def build_handlers(rt: Runtime, metrics: Metrics) -> Handlers:
    media = MediaStore(rt.settings.media_dir)
    return Handlers(
        batch={PROCESS_JOB: inbound_handler(rt)},
        single={
            SEND_JOB: tasks.send_handler(rt, media, metrics),
            MEDIA_JOB: tasks.media_handler(rt, media),
            READ_JOB: tasks.read_handler(rt),
        },
    )


def build_worker(rt: Runtime, metrics: Metrics, wakeup: Wakeup, *, concurrency: int | None = None) -> Worker:
    return Worker(rt.db, rt.clock, build_handlers(rt, metrics), wakeup=wakeup,
                  concurrency=concurrency or rt.settings.worker_concurrency,
                  batch_size=rt.settings.worker_batch, lease=rt.settings.job_lease_seconds, metrics=metrics)
