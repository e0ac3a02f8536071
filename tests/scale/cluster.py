"""Real chatdesk processes on loopback, started with the CLI exactly as an operator would:
``db upgrade``, ``workspace create``, ``token create``, ``channel add``, then N ``serve
--no-worker``, M ``worker`` and a ``sandbox``. Used by the scale tests and the benchmarks.

Every process is started in its own process group and stopped (TERM, then KILL) by
``Cluster.stop``, so nothing outlives a test run.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from chatdesk.channels.meta.signature import sign

PHONE_ID = "109876543210987"  # the recorded payloads' business number
DISPLAY = "15550001111"
WABA = "102938475610293"
APP_SECRET = "scale-app-secret"
ACCESS_TOKEN = "scale-access-token"
VERIFY_TOKEN = "scale-verify-token"
TEMPLATE = Path(__file__).resolve().parents[1] / "payloads" / "whatsapp" / "wa_inbound_text.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def inbound_body(wamid: str, wa_id: str, text: str, name: str = "Scale Customer", *,
                 timestamp: int | None = None, indent: int | None = None) -> bytes:
    """A WhatsApp text-message webhook (the recorded payload) with our ids filled in.
    ``indent`` changes the bytes but not the meaning: a redelivery the body hash cannot catch."""
    body = json.loads(TEMPLATE.read_text())
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    value["messages"][0].update({"from": wa_id, "id": wamid, "text": {"body": text},
                                 "timestamp": str(timestamp or int(time.time()))})
    del value["messages"][0]["from_user_id"]   # the phone-only shape: the template's user id is one person's
    return json.dumps(body, indent=indent).encode()


def signed_headers(raw: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, secret)}


@dataclass
class Cluster:
    """A database URL plus the processes started against it."""

    database_url: str
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="chatdesk-scale-")))
    log_dir: Path | None = None
    procs: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    web_urls: list[str] = field(default_factory=list)
    sandbox_url: str | None = None
    token: str = ""
    slug: str = ""

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHATDESK_")}
        env.update(CHATDESK_DATABASE_URL=self.database_url, CHATDESK_DATA_DIR=str(self.data_dir),
                   CHATDESK_SECRET_KEY="scale-secret-key-0123456789abcdefghij", CHATDESK_LOG_LEVEL="WARNING", **extra)
        return env

    def cli(self, *args: str) -> str:
        """Run one ``chatdesk`` command to completion; its stdout's last line."""
        out = subprocess.run([sys.executable, "-m", "chatdesk.cli", *args], env=self.env(),
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"chatdesk {' '.join(args)} failed: {out.stderr.strip()}")
        return out.stdout.strip().splitlines()[-1]

    def setup(self, *, rate_limit: float = 80.0) -> None:
        """Schema, a workspace, an API token and the WhatsApp channel pointing at the sandbox."""
        self.cli("db", "upgrade")
        self.slug = self.cli("workspace", "create", "Scale Shop")
        self.token = self.cli("token", "create", "--workspace", self.slug, "--name", "scale")
        self.sandbox_port = free_port()
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.cli("channel", "add", "whatsapp", "--workspace", self.slug, "--phone-number-id", PHONE_ID,
                 "--display-phone-number", DISPLAY, "--waba-id", WABA, "--access-token", ACCESS_TOKEN,
                 "--app-secret", APP_SECRET, "--verify-token", VERIFY_TOKEN, "--graph-url", self.sandbox_url,
                 "--rate-limit", str(rate_limit))

    def spawn(self, name: str, *args: str, **env: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb") if self.log_dir else subprocess.DEVNULL
        proc = subprocess.Popen([sys.executable, "-m", "chatdesk.cli", *args], env=self.env(**env),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def start_web(self, count: int, *, worker: bool = False, **env: str) -> list[str]:
        urls = []
        for i in range(count):
            port = free_port()
            self.spawn(f"web{i + 1}", "serve", "--host", "127.0.0.1", "--port", str(port),
                       *([] if worker else ["--no-worker"]), **env)
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_http(f"{url}/readyz", self)
        self.web_urls += urls
        return urls

    def start_workers(self, count: int, **env: str) -> None:
        for i in range(count):
            self.spawn(f"worker{i + 1}", "worker", **env)

    def start_sandbox(self, webhook_url: str, *, rate_limit: float = 80.0) -> str:
        assert self.sandbox_url, "setup() first: the channel needs the sandbox's address"
        self.spawn("sandbox", "sandbox", "--host", "127.0.0.1", "--port", str(self.sandbox_port),
                   "--webhook-url", webhook_url, "--app-secret", APP_SECRET, "--phone-number-id", PHONE_ID,
                   "--access-token", ACCESS_TOKEN, "--rate-limit", str(rate_limit), "--verify-token", VERIFY_TOKEN)
        wait_http(f"{self.sandbox_url}/_sandbox/numbers", self)
        return self.sandbox_url

    def check_alive(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}" +
                                   (f"; see {self.log_dir / (name + '.log')}" if self.log_dir else ""))

    def stop(self) -> None:
        for _, proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()


def wait_http(url: str, cluster: Cluster | None = None, timeout: float = 30.0) -> None:
    """Until ``url`` answers 200; fails early if one of the cluster's processes died."""
    end = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if cluster:
            cluster.check_alive()
        if time.monotonic() > end:
            raise TimeoutError(f"{url} not ready after {timeout} s")
        time.sleep(0.1)
