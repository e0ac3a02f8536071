"""The phone page in chromium: switch a customer to Messenger, then to Instagram, send a
message each time, and the signed webhook arrives at a receiver on that platform's path; a
quick reply the business sent is tappable. The sandbox runs as ``chatdesk sandbox
--chatdesk-url`` against a small recording receiver."""
from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
SECRET, VERIFY, PAGE_TOKEN = "phone-secret", "phone-verify", "phone-page-token"
pytestmark = pytest.mark.e2e


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder(BaseHTTPRequestHandler):
    posts: ClassVar[list[tuple[str, dict]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:   # the verify handshake
        query = parse_qs(urlparse(self.path).query)
        ok = query.get("hub.verify_token") == [VERIFY]
        body = (query.get("hub.challenge", [""])[0] if ok else "Forbidden").encode()
        self.send_response(200 if ok else 403)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(self.headers.get("X-Hub-Signature-256", ""), expected)
        if ok:
            Recorder.posts.append((urlparse(self.path).path, json.loads(raw)))
        self.send_response(200 if ok else 401)
        self.end_headers()


def _call(base: str, method: str, path: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {PAGE_TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"{}")


def _until(predicate, timeout: float = 15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing; browser tests need it")
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port = _port()
    log = tmp_path_factory.mktemp("phone") / "sandbox.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "chatdesk.cli", "sandbox", "--port", str(port),
             "--chatdesk-url", f"http://127.0.0.1:{receiver.server_port}", "--app-secret", SECRET,
             "--verify-token", VERIFY, "--page-token", PAGE_TOKEN],
            stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _until(lambda: _ok(base + "/_sandbox/customers"), 30)
            yield base
        finally:
            proc.terminate()
            proc.wait(10)
            receiver.shutdown()


def _ok(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1)
        return True
    except Exception:
        return False


def test_phone_switches_a_customer_to_messenger_and_instagram(sandbox: str):
    from playwright.sync_api import expect, sync_playwright

    _call(sandbox, "POST", "/_sandbox/customers", {"wa_id": "31612340001", "name": "Kim Jansen"})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"{sandbox}/phone?wa_id=31612340001")
        page.select_option("#platform", "messenger")
        expect(page.locator("#subtitle")).to_contain_text("Messenger")
        page.fill("#message", "Hi from Messenger")
        page.press("#message", "Enter")
        expect(page.locator(".msg.out")).to_contain_text("Hi from Messenger")
        _path, body = _until(lambda: next((p for p in Recorder.posts
                                           if p[0] == "/webhooks/messenger"), None))
        item = body["entry"][0]["messaging"][0]
        assert body["object"] == "page" and item["message"]["text"] == "Hi from Messenger"
        psid = item["sender"]["id"]

        _call(sandbox, "POST", "/v23.0/104729384756102/messages", {
            "recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {
                "text": "Pick a color:", "quick_replies": [
                    {"content_type": "text", "title": "Red", "payload": "COLOR_RED"}]}})
        page.get_by_role("button", name="Red").click()
        tapped = _until(lambda: [b for p, b in Recorder.posts if p == "/webhooks/messenger"
                                 and b["entry"][0]["messaging"][0].get("message", {})
                                 .get("quick_reply")])
        assert tapped[0]["entry"][0]["messaging"][0]["message"]["quick_reply"] == {
            "payload": "COLOR_RED"}

        page.select_option("#platform", "instagram")
        expect(page.locator("#subtitle")).to_contain_text("Instagram")
        page.fill("#message", "Hi from Instagram")
        page.press("#message", "Enter")
        _path, body = _until(lambda: next((p for p in Recorder.posts
                                           if p[0] == "/webhooks/instagram"), None))
        assert body["object"] == "instagram"
        assert body["entry"][0]["messaging"][0]["message"]["text"] == "Hi from Instagram"
        browser.close()
