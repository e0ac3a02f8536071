"""Operations: every /metrics series moves when its event happens, the job runner observes
its histogram and stamps log lines with job ids, requests carry an X-Request-ID into the logs,
and /readyz refuses traffic until the schema is at the migrations' head."""
from __future__ import annotations

import io
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from chatdesk.core import logs
from chatdesk.core.db import Database
from chatdesk.core.jobs import enqueue
from chatdesk.core.metrics import Metrics
from chatdesk.core.runner import Handlers, RetryJob, Wakeup, Worker
from tests.conftest import payload, settle
from tests.fakes.jobs import Item, kind


async def scrape(stack) -> dict[tuple[str, tuple], float]:
    resp = await stack.api.get("/metrics")
    assert resp.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(resp.text) for s in family.samples}


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def json_logs():
    """Capture what the JSON log handler would print (setup() as `CHATDESK_LOG_JSON=true` does)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


async def test_webhook_request_and_queue_metrics_move(bare, clock):
    before = await scrape(bare)
    assert (await bare.webhook(payload("wa_inbound_text.json"))).status_code == 200
    assert (await bare.webhook(payload("wa_inbound_text.json"), secret="wrong")).status_code == 401
    clock.advance(seconds=30)  # the stored event's job is now 30 s overdue (no worker runs here)
    after = await scrape(bare)
    assert value(after, "chatdesk_webhooks_received_total", kind="whatsapp") == \
        value(before, "chatdesk_webhooks_received_total", kind="whatsapp") + 1
    assert value(after, "chatdesk_webhooks_rejected_total", kind="whatsapp") == \
        value(before, "chatdesk_webhooks_rejected_total", kind="whatsapp") + 1
    assert value(after, "chatdesk_job_queue_depth") == 1
    assert value(after, "chatdesk_job_queue_lag_seconds") >= 30
    assert value(after, "chatdesk_http_request_seconds_count", method="POST", route="/webhooks/{kind}") == 2


async def test_send_metrics_count_by_result_and_code(stack):
    await stack.customer_says("4915112345678", type="text", text="Hallo")  # opens the service window
    (conv,) = await settle(stack.conversations)
    await stack.sandbox.post("/_sandbox/faults", json={"count": 1, "error_code": 131026})
    for text_ in ("refused", "accepted"):
        resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages", json={"type": "text", "text": text_})
        assert resp.status_code == 202

    async def both():
        s = await scrape(stack)
        return s if value(s, "chatdesk_sends_total", kind="whatsapp", result="accepted", code="") >= 1 and \
            value(s, "chatdesk_sends_total", kind="whatsapp", result="failed", code="131026") >= 1 else None
    assert await settle(both)


async def test_the_apps_worker_observes_the_job_histogram(stack):
    await stack.webhook(payload("wa_inbound_text.json"))
    await settle(stack.conversations)
    samples = await scrape(stack)
    assert value(samples, "chatdesk_job_seconds_count", kind="inbound.process") >= 1


async def test_runner_observes_job_histogram_and_logs_job_ids(settings, clock, json_logs):
    async def ok(job):
        logging.getLogger("test.job").info("working")

    async def flaky(job):
        raise RetryJob("upstream said no")

    async def batch(session, jobs):
        logging.getLogger("test.batch").info("batch of %d", len(jobs))
    db, metrics = Database(settings.db_url), Metrics()
    worker = Worker(db, clock, Handlers(single={kind("ok"): ok, kind("flaky"): flaky}, batch={kind("b"): batch}),
                    wakeup=Wakeup(db), metrics=metrics)
    try:
        async with db.session() as s:
            for name in ("ok", "flaky", "b", "b"):
                enqueue(s, kind(name), Item(), now=clock.now())
        await worker.drain()
    finally:
        await db.dispose()
    count = metrics.registry.get_sample_value
    assert count("chatdesk_job_seconds_count", {"kind": "ok"}) == 1
    assert count("chatdesk_job_seconds_count", {"kind": "b"}) == 1  # one batch of two
    assert count("chatdesk_job_seconds_count", {"kind": "flaky"}) is None  # failures are not timed
    lines = {line["msg"]: line for line in json_logs()}
    assert lines["working"]["job_kind"] == "ok" and lines["working"]["job_id"].isdigit()
    assert lines["batch of 2"]["job_kind"] == "b" and lines["batch of 2"]["job_id"].count(",") == 1
    retry = next(line for msg, line in lines.items() if "will retry" in msg)
    assert retry["job_kind"] == "flaky"


async def test_request_id_is_echoed_and_logged_without_message_bodies(bare, json_logs):
    raw = payload("wa_inbound_text.json").replace(b"109876543210987", b"100000000000001")  # unknown number
    resp = await bare.api.post("/webhooks/whatsapp", content=raw, headers={"X-Request-ID": "lb-7f3a.42"})
    assert resp.status_code == 200 and resp.headers["x-request-id"] == "lb-7f3a.42"
    (line,) = [entry for entry in json_logs() if entry["logger"] == "chatdesk.webhooks"]
    assert line["request_id"] == "lb-7f3a.42"
    assert "sneakers" not in json.dumps(json_logs())  # the customer's words never reach the logs
    made = await bare.api.get("/healthz")
    bad = await bare.api.get("/healthz", headers={"X-Request-ID": "evil\" injected=1"})
    assert len(made.headers["x-request-id"]) == 32
    assert bad.headers["x-request-id"] != "evil\" injected=1"


REFUSE_LEAKY = {
    "sqlite": ["CREATE TRIGGER refuse_leaky BEFORE INSERT ON messages WHEN NEW.text LIKE '%LEAKY%' "
               "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"],
    "postgresql": ["CREATE FUNCTION refuse_leaky() RETURNS trigger AS $$ BEGIN IF NEW.text LIKE '%LEAKY%' THEN "
                   "RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                   "CREATE TRIGGER refuse_leaky BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_leaky()"],
}


async def test_a_crash_keeps_the_request_id_and_no_message_text_reaches_the_logs(stack, json_logs):
    """A failing write (disk full, a timeout; here a trigger) answers a 500 problem that carries
    the request id, logs it with that id, and the statement's parameters (the agent's words)
    stay out of the log."""
    from tests.conversations.test_outbound import open_conversation
    conv = await open_conversation(stack)
    async with stack.rt.db.session() as s:
        for statement in REFUSE_LEAKY[stack.rt.db.dialect]:
            await s.execute(text(statement))
    resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages", headers={"X-Request-ID": "crash-1"},
                                json={"type": "text", "text": "LEAKY: my card ends in 4471"})
    assert resp.status_code == 500 and resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "internal_error" and resp.headers["x-request-id"] == "crash-1"
    crash = [line for line in json_logs() if line["level"] == "ERROR"]
    assert crash and all(line.get("request_id") == "crash-1" for line in crash)
    assert "4471" not in json.dumps(json_logs())


async def test_readyz_is_not_ready_until_migrations_reach_head(bare):
    assert (await bare.api.get("/readyz")).json() == {"status": "ready"}
    async with bare.rt.db.session() as s:  # as if the code was rolled out before `db upgrade`
        await s.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    resp = await bare.api.get("/readyz")
    assert resp.status_code == 503 and resp.json()["code"] == "not_migrated"
    assert "chatdesk db upgrade" in resp.json()["detail"]
