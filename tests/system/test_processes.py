"""The product as a user runs it: `chatdesk serve` and `chatdesk sandbox` as real processes on
loopback, set up with the CLI, talking real HTTP. Checks the live stream (SSE) and the loop."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
SECRET, PHONE_ID, TOKEN = "proc-secret", "109876543210555", "proc-access-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


def embedded(tmp_path: Path, request) -> tuple[dict[str, str], Callable[..., str]]:
    """The environment of an embedded (SQLite) install in ``tmp_path``, and its CLI."""
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("the process test of the embedded shape runs on SQLite")
    env = {**os.environ, "CHATDESK_DATA_DIR": str(tmp_path / "data")}
    env.pop("CHATDESK_DATABASE_URL", None)

    def cli(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "chatdesk.cli", *args], env=env, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()
    return env, cli


@pytest.fixture
def product(tmp_path: Path, request):
    env, cli = embedded(tmp_path, request)
    port, sport = free_port(), free_port()
    base, sbase = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sport}"
    slug = cli("workspace", "create", "Process Shop")
    token = cli("token", "create", "--workspace", slug)
    cli("channel", "add", "whatsapp", "--workspace", slug, "--phone-number-id", PHONE_ID, "--display-phone-number",
        "+31 20 555 0199", "--waba-id", "209876543210555", "--access-token", TOKEN, "--app-secret", SECRET,
        "--verify-token", "v", "--graph-url", sbase)
    procs = [
        subprocess.Popen([sys.executable, "-m", "chatdesk.cli", "sandbox", "--port", str(sport), "--webhook-url",
                          f"{base}/webhooks/whatsapp", "--app-secret", SECRET, "--phone-number-id", PHONE_ID,
                          "--display-phone-number", "31205550199", "--access-token", TOKEN, "--verify-token", "v"],
                         env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "chatdesk.cli", "serve", "--port", str(port)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        wait_http(f"{sbase}/_sandbox/customers")
        wait_http(f"{base}/healthz")
        yield base, sbase, {"Authorization": f"Bearer {token}"}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)


def test_live_stream_and_reply_loop(product):
    base, sbase, auth = product
    with httpx.Client(timeout=10) as http, http.stream("GET", f"{base}/api/v1/events", headers=auth) as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        lines = events.iter_lines()
        assert next(lines).startswith(":")  # connected
        http.post(f"{sbase}/_sandbox/customers/31699000111/messages", json={"type": "text", "text": "Hoi!"})
        event = _next_event(lines, "message.received")
        conv_id = event["conversation_id"]
        resp = http.post(f"{base}/api/v1/conversations/{conv_id}/messages", headers=auth,
                         json={"type": "text", "text": "Hallo! Hoe kunnen we helpen?"})
        assert resp.status_code == 202
        updated = _next_event(lines, "message.sent", lambda e: e["message_id"] == resp.json()["id"])
        assert updated["direction"] == "out"
    end = time.monotonic() + 15
    while time.monotonic() < end:
        received = httpx.get(f"{sbase}/_sandbox/customers/31699000111/inbox", timeout=30).json()["received"]
        if received and received[-1]["status"] in ("delivered", "read"):
            break
        time.sleep(0.2)
    assert received[-1]["request"]["text"]["body"] == "Hallo! Hoe kunnen we helpen?"


def _next_event(lines, kind, accept=lambda e: True, limit=200):
    for _ in range(limit):
        line = next(lines)
        if line.startswith("data: "):
            event = json.loads(line[6:])
            if event["type"] == kind and accept(event):
                return event
    raise AssertionError(f"no {kind} event")


def test_worker_serves_its_own_metrics(tmp_path, request):
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("runs on the embedded database")
    env = {**os.environ, "CHATDESK_DATA_DIR": str(tmp_path / "data")}
    env.pop("CHATDESK_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "chatdesk.cli", "db", "upgrade"], env=env, check=True,
                   capture_output=True, timeout=60)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "chatdesk.cli", "worker", "--metrics-port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/metrics")
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text
        assert "chatdesk_job_seconds" in body and "chatdesk_sends_total" in body
        assert "chatdesk_job_queue_depth 0.0" in body  # read from the database (empty queue)
    finally:
        proc.terminate()
        proc.wait(10)
