"""`chatdesk demo` ports: a taken port ends the demo at once with one line; the sandbox finds a free port."""
from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

import pytest

from .test_cli import one_line_error


@pytest.fixture
def env(tmp_path):
    env = {**os.environ, "CHATDESK_DATA_DIR": str(tmp_path / "data")}
    env.pop("CHATDESK_DATABASE_URL", None)
    return env


def demo(env, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chatdesk.cli", "demo", "--customers", "0", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture
def taken():
    """A port another process listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_taken_inbox_port_exits_2_with_one_line_quickly(env, taken, tmp_path):
    error = one_line_error(demo(env, "--port", str(taken)))  # (a hang would hit demo()'s timeout)
    assert f"127.0.0.1:{taken}" in error and "--port" in error
    data = tmp_path / "data"
    assert not data.exists() or not any(data.iterdir())  # refused before seeding anything


def test_a_taken_sandbox_port_exits_2_with_one_line(env, taken):
    error = one_line_error(demo(env, "--port", str(free_port()), "--sandbox-port", str(taken)))
    assert f"127.0.0.1:{taken}" in error and "--sandbox-port" in error


def test_the_sandbox_takes_a_free_port_when_port_plus_one_is_taken_and_says_where(env):
    with socket.socket() as blocker:  # find P with P+1 taken by someone else
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1] - 1
        process = subprocess.Popen([sys.executable, "-m", "chatdesk.cli", "demo", "--customers", "0",
                                    "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, env={**env, "PYTHONUNBUFFERED": "1"})
        try:
            output = ""
            deadline = time.monotonic() + 60
            while "Sandbox" not in output and time.monotonic() < deadline and process.poll() is None:
                if select.select([process.stdout], [], [], 1)[0]:
                    output += process.stdout.readline()
            found = re.search(r"Sandbox\s+http://127\.0\.0\.1:(\d+)", output)
            assert found, output
            sandbox_port = int(found.group(1))
            assert sandbox_port != port + 1
            # both servers answer: the sandbox on the printed port, the inbox on --port
            for answering in (sandbox_port, port):
                deadline = time.monotonic() + 20
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", answering), timeout=1).close()
                        break
                    except OSError:
                        assert time.monotonic() < deadline, f"nothing answers on {answering}"
                        time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
