"""Prometheus metrics for one process (``/metrics``). Each app instance has its own registry so
tests and embedded runs do not collide. Counters are per process; the queue gauges are read
from the database at scrape time, so every process (web or worker) reports the same queue and sending switch."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from . import sending_pause
from .db import Database
from .jobs import queue_stats

CONTENT_TYPE = "text/plain; version=0.0.4"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.webhooks = Counter("chatdesk_webhooks_received_total", "Webhook POSTs stored", ["kind"], registry=r)
        self.rejected = Counter("chatdesk_webhooks_rejected_total", "Webhook POSTs refused (signature)",
                                ["kind"], registry=r)
        self.sends = Counter("chatdesk_sends_total", "Outbound send attempts", ["kind", "result", "code"],
                             registry=r)
        self.queue_depth = Gauge("chatdesk_job_queue_depth", "Jobs waiting", registry=r)
        self.queue_lag = Gauge("chatdesk_job_queue_lag_seconds", "Age of the oldest due job", registry=r)
        self.dead_jobs = Gauge("chatdesk_jobs_dead", "Jobs that used up their attempts", registry=r)
        self.sending_paused = Gauge("chatdesk_sending_paused", "1 while outbound sending is paused "
                                    "(chatdesk sending pause): send jobs wait", registry=r)
        self.request_latency = Histogram("chatdesk_http_request_seconds", "HTTP request latency",
                                         ["method", "route"], registry=r,
                                         buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
        self.job_latency = Histogram("chatdesk_job_seconds", "Job handler run time (an inbound batch counts once)",
                                     ["kind"], registry=r,
                                     buckets=(.001, .005, .01, .05, .1, .5, 1, 5, 30))

    def webhook_received(self, kind: str) -> None:
        self.webhooks.labels(kind).inc()

    def webhook_rejected(self, kind: str) -> None:
        self.rejected.labels(kind).inc()

    def send(self, kind: str, result: str, code: int | None) -> None:
        self.sends.labels(kind, result, str(code) if code is not None else "").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def scrape(self, db: Database, now: datetime) -> bytes:
        """The whole text for one ``/metrics`` answer, queue figures and the sending switch fresh from
        the database."""
        async with db.reader() as session:
            stats = await queue_stats(session, now)
            paused = (await sending_pause.read(session)).paused
        self.sending_paused.set(float(paused))
        self.queue_depth.set(stats["depth"])
        self.queue_lag.set(stats["lag_seconds"])
        self.dead_jobs.set(stats["dead"])
        return self.render()


async def serve(metrics: Metrics, db: Database, now: Callable[[], datetime], host: str,
                port: int) -> asyncio.Server:
    """A worker's ``/metrics`` endpoint: a tiny HTTP/1.0 server on the worker's own event loop
    (prometheus_client's threaded server cannot run the async database read)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b""
            if path.split(b"?")[0] == b"/metrics":
                status, body, kind = b"200 OK", await metrics.scrape(db, now()), CONTENT_TYPE
            else:
                status, body, kind = b"404 Not Found", b"not found\n", "text/plain"
            writer.write(b"HTTP/1.0 " + status + b"\r\nContent-Type: " + kind.encode() +
                         b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            pass  # a client that went away or sent junk gets nothing
        finally:
            writer.close()

    return await asyncio.start_server(answer, host, port)
