"""In a real browser: Meta fails an agent's reply with 131047 (re-engagement) after the fact; the
agent sees why in the thread and the composer's closed-window banner appears, without a reload."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from chatdesk.channels.meta.signature import sign
from tests.conftest import payload

from .conftest import SECRET, Servers, shot

pytestmark = pytest.mark.e2e


def failed_status(servers: Servers, wamid: str, message_id: int) -> None:
    """Meta's `failed` receipt (the conformance fixture) for our message, signed as Meta signs it.
    It carries the message's tracking tag, as Meta repeats ``biz_opaque_callback_data``."""
    raw = json.loads(payload("wa_status_failed.json"))
    status = raw["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(id=wamid, timestamp=str(int(time.time())), biz_opaque_callback_data=f"chatdesk:message:{message_id}")
    body = json.dumps(raw).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, SECRET)}
    req = urllib.request.Request(servers.base + "/webhooks/whatsapp", data=body, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def _until(fn, timeout: float = 15.0):
    end = time.monotonic() + timeout
    while not fn():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.1)


def test_a_re_engagement_failure_closes_the_composer_live(new_page, servers):
    page = new_page()
    servers.customer_says("31647000047", "Hello, anyone?", name="Rita Reengage")
    page.locator(".conv-item", has_text="Rita Reengage").click()
    expect(page.locator(".msg.in").last).to_contain_text("Hello, anyone?")
    expect(page.locator("#window-state")).to_have_attribute("data-open", "true")
    expect(page.locator(".window-banner")).to_have_count(0)

    # The sandbox loses the send's answer (so no receipts of its own race ours); Meta's failed
    # receipt then arrives with the message's tracking tag, as it would after accepting the send.
    # (Opening the conversation sent a read receipt first: the fault must not be spent on it.)
    _until(lambda: servers.sandbox_call("GET", "/_sandbox/customers/31647000047/inbox")["all_read_by_business"])
    servers.sandbox_call("POST", "/_sandbox/faults", {"count": 1, "drop": True})
    page.fill("#composer-text", "Sorry for the wait: here is your answer")
    page.keyboard.press("Enter")
    out = page.locator(".msg.out").last
    expect(out).to_contain_text("Sorry for the wait")
    failed_status(servers, "wamid.E2E-REENGAGE-1", int(out.get_attribute("data-id")))

    expect(out.locator(".failure")).to_contain_text("More than 24 hours have passed", timeout=30000)
    banner = page.locator("#window-state .window-banner")
    expect(banner).to_contain_text("WhatsApp reports the reply window closed", timeout=30000)  # no reload
    expect(banner.locator("#template-picker")).to_be_visible()
    expect(page.locator("#window-state")).to_have_attribute("data-open", "false")
    expect(page.locator("#window-until")).to_have_text("closed")   # the contact pane's line too
    shot(page, "20-re-engagement")

    page.fill("#composer-text", "Hello?")   # the policy refuses before any call to Meta
    page.keyboard.press("Enter")
    expect(page.locator("#composer-error")).to_contain_text("24 hours")
    assert not any("Hello?" in str(r["request"]) for r in servers.received("31647000047"))

    time.sleep(1.1)   # Meta's times are whole seconds: the customer writes after the failure
    servers.customer_says("31647000047", "I'm back, sorry!")
    expect(page.locator(".msg.in").last).to_contain_text("I'm back", timeout=30000)
    expect(page.locator("#window-state")).to_have_attribute("data-open", "true", timeout=30000)  # live again
    expect(page.locator(".window-banner")).to_have_count(0)
