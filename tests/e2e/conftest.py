"""Browser tests: a real `chatdesk serve` and `chatdesk sandbox` on loopback, driven by Debian's
chromium through Playwright. Skipped (with the reason) when /usr/bin/chromium is missing."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE_ID, WABA, TOKEN, SECRET = "109876543210987", "102938475610293", "e2e-access-token", "e2e-app-secret"
PAGE_ID, INSTAGRAM_ID = "104729384756102", "17841400000000001"  # the sandbox's Messenger page, Instagram account
OWNER, AGENT, OUTSIDER, PASSWORD = "owner@e2e.shop", "agent@e2e.shop", "someone@other.shop", "e2e-password-123"

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@dataclass
class Servers:
    base: str
    sandbox: str

    def sandbox_call(self, method: str, path: str, body: dict | None = None) -> dict:
        req = urllib.request.Request(self.sandbox + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def customer_says(self, wa_id: str, text: str, name: str | None = None, timestamp: int | None = None) -> None:
        if name is not None:
            self.sandbox_call("POST", "/_sandbox/customers", {"wa_id": wa_id, "name": name})
        message = {"type": "text", "text": text} | ({"timestamp": timestamp} if timestamp else {})
        self.sandbox_call("POST", f"/_sandbox/customers/{wa_id}/messages", message)

    def received(self, wa_id: str) -> list[dict]:
        return self.sandbox_call("GET", f"/_sandbox/customers/{wa_id}/inbox")["received"]

    def social_user(self, platform: str, first_name: str, last_name: str = "", **fields: object) -> str:
        """A Messenger or Instagram user of the sandbox; returns their page-scoped id."""
        user = {"first_name": first_name, "last_name": last_name, **fields}
        return self.sandbox_call("POST", f"/_sandbox/{platform}/users", user)["id"]

    def social_says(self, platform: str, user_id: str, text: str) -> None:
        self.sandbox_call("POST", f"/_sandbox/{platform}/users/{user_id}/messages", {"type": "text", "text": text})

    def social_received(self, platform: str, user_id: str) -> list[dict]:
        return self.sandbox_call("GET", f"/_sandbox/{platform}/users/{user_id}/inbox")["received"]


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it")
    data = tmp_path_factory.mktemp("e2e-data")
    port, sb_port = _free_port(), _free_port()
    base, sandbox = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sb_port}"
    env = {**os.environ, "CHATDESK_DATA_DIR": str(data), "CHATDESK_SECRET_KEY": "e2e-secret-key-0123456789abcdefghijkl",
           "CHATDESK_LOG_LEVEL": "WARNING", "CHATDESK_GRAPH_URL": sandbox}  # the operator's Graph API
    env.pop("CHATDESK_DATABASE_URL", None)
    cli = [sys.executable, "-m", "chatdesk.cli"]

    def run(*args: str) -> str:
        return subprocess.run([*cli, *args], env=env, check=True, capture_output=True, text=True).stdout.strip()

    run("db", "upgrade")
    slug = run("workspace", "create", "E2E Shop")
    run("user", "create", OWNER, "--workspace", slug, "--role", "owner", "--password", PASSWORD)
    run("user", "create", AGENT, "--workspace", slug, "--role", "agent", "--password", PASSWORD)
    other = run("workspace", "create", "Other Shop")
    run("user", "create", OUTSIDER, "--workspace", other, "--role", "owner", "--password", PASSWORD)
    run("channel", "add", "whatsapp", "--workspace", slug, "--phone-number-id", PHONE_ID, "--display-phone-number",
        "+1 555 000 1111", "--waba-id", WABA, "--access-token", TOKEN, "--app-secret", SECRET,
        "--verify-token", "e2e-verify", "--graph-url", sandbox)
    for kind, flag, external_id in (("messenger", "--page-id", PAGE_ID), ("instagram", "--account-id", INSTAGRAM_ID)):
        run("channel", "add", kind, "--workspace", slug, flag, external_id, "--access-token", TOKEN,
            "--app-secret", SECRET, "--verify-token", "e2e-verify", "--graph-url", sandbox)
    logs = data / "logs"
    logs.mkdir()
    procs = [
        subprocess.Popen([*cli, "sandbox", "--port", str(sb_port), "--chatdesk-url", base,
                          "--app-secret", SECRET, "--phone-number-id", PHONE_ID, "--access-token", TOKEN,
                          "--page-token", TOKEN, "--instagram-token", TOKEN,
                          "--verify-token", "e2e-verify"],
                         env=env, stdout=open(logs / "sandbox.log", "w"), stderr=subprocess.STDOUT),
        subprocess.Popen([*cli, "serve", "--port", str(port)], env=env,
                         stdout=open(logs / "chatdesk.log", "w"), stderr=subprocess.STDOUT),
    ]
    try:
        _wait(f"{sandbox}/_sandbox/customers")
        _wait(f"{base}/healthz")
        yield Servers(base, sandbox)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")  # module: Playwright's sync loop must be gone before async tests run
def browser(servers: Servers):
    from playwright.sync_api import expect, sync_playwright

    # What a page should come to show may take longer than Playwright's 5 s on a loaded CI
    # machine; an assertion waits up to 10 s (and returns as soon as the page shows it).
    expect.set_options(timeout=10_000)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, servers):
    """A fresh browser context per user (own cookies); dialogs are recorded, never accepted."""
    contexts = []

    def make(email: str | None = OWNER, locale: str = "en-US"):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale,
                                      base_url=servers.base)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        if email:
            page.goto("/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/w/**")
        return page

    yield make
    for c in contexts:
        c.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
