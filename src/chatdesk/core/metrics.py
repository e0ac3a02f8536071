"""Prometheus metrics for one process (``/metrics``). Each app instance has its own registry so
tests and embedded runs do not collide."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


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
                                    "(CHATDESK_SENDING_PAUSED): send jobs wait", registry=r)
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
