"""SIGTERM on a real `chatdesk serve` with an open live stream (issue 14, point 3): the stream
ends with a ``retry:`` hint, a request in flight still gets its answer, and the process exits
within 10 s (under systemd a process still up after TimeoutStopSec is killed)."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chatdesk.server import GRACE_SECONDS
from tests.system.test_processes import embedded, free_port, wait_http

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path, request) -> Iterator[tuple[subprocess.Popen[bytes], str, dict[str, str]]]:
    env, cli = embedded(tmp_path, request)
    slug = cli("workspace", "create", "Shutdown Shop")
    token = cli("token", "create", "--workspace", slug)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "chatdesk.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield proc, f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_sigterm_ends_live_streams_finishes_requests_and_exits(server):
    proc, base, auth = server
    sent_head = threading.Event()
    signalled = threading.Event()
    answer: dict[str, httpx.Response] = {}

    def slow_body() -> Iterator[bytes]:  # the request is in flight when SIGTERM arrives
        yield b'{"status": '
        sent_head.set()
        signalled.wait(10)
        time.sleep(0.5)
        yield b'"resolved"}'

    def in_flight() -> None:
        answer["resp"] = httpx.patch(f"{base}/api/v1/conversations/987654", headers={
            **auth, "Content-Type": "application/json"}, content=slow_body(), timeout=15)

    with httpx.Client(timeout=8) as http, http.stream("GET", f"{base}/api/v1/events", headers=auth) as events:
        lines = events.iter_lines()
        assert next(lines).startswith(":")  # connected
        request_thread = threading.Thread(target=in_flight)
        request_thread.start()
        assert sent_head.wait(10)
        time.sleep(0.3)  # the server has the request's head
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        signalled.set()
        rest = list(lines)  # ends only when the server ends the stream
        ended_after = time.monotonic() - started
    assert any(line.startswith("retry: ") for line in rest), rest
    # ended by the server, not cut off when uvicorn's grace ran out (room left for a stalled machine)
    assert ended_after < GRACE_SECONDS - 1
    proc.wait(10)
    assert time.monotonic() - started < 10
    request_thread.join(10)
    assert answer["resp"].status_code == 404  # answered by the app, not cut off
    assert answer["resp"].json()["code"] == "not_found"
