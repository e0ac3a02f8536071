"""A worker's /metrics (core.metrics.serve) reports the queue from the database: the same depth,
lag and dead jobs as a web process's /metrics at the same moment."""
from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from chatdesk.core.db import Database
from chatdesk.core.jobs import DEAD, Job, enqueue
from chatdesk.core.metrics import Metrics, serve
from tests.fakes.jobs import Item, kind

QUEUE = ("chatdesk_job_queue_depth", "chatdesk_job_queue_lag_seconds", "chatdesk_jobs_dead")


def queue_figures(body: str) -> dict[str, float]:
    return {s.name: s.value for family in text_string_to_metric_families(body)
            for s in family.samples if s.name in QUEUE}


async def test_worker_and_web_report_the_same_queue(bare, settings, clock):
    async with bare.rt.db.session() as session:
        for n in range(5):
            enqueue(session, kind("noop"), Item(i=n), now=clock.now())
        dead = enqueue(session, kind("noop"), Item(i=99), now=clock.now())
    async with bare.rt.db.session() as session:
        await session.execute(update(Job).where(Job.id == dead.id).values(status=DEAD))
    clock.advance(seconds=42)

    worker_db = Database(settings.db_url)  # the worker process's own connection pool
    server = await serve(Metrics(), worker_db, clock.now, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            worker = await client.get(f"http://127.0.0.1:{port}/metrics")
            missing = await client.get(f"http://127.0.0.1:{port}/other")
        web = await bare.api.get("/metrics")
    finally:
        server.close()
        await server.wait_closed()
        await worker_db.dispose()
    assert worker.status_code == 200 and missing.status_code == 404
    figures = queue_figures(worker.text)
    assert figures == queue_figures(web.text)
    assert figures == {"chatdesk_job_queue_depth": 5.0, "chatdesk_job_queue_lag_seconds": 42.0,
                       "chatdesk_jobs_dead": 1.0}
