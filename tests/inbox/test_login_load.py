"""Issue 12, defect 2: sign-ins hash in a bounded pool off the event loop, and are throttled per
address as well as per (email, address)."""
from __future__ import annotations

import asyncio

from chatdesk.inbox.security import LoginThrottle
from tests.conftest import payload
from tests.inbox.conftest import Browser


async def test_a_webhook_is_acknowledged_while_sign_ins_hash(bare):
    """Order, not time: with the hash on the event loop, the webhook waited behind every login."""
    finished: list[str] = []
    browsers = [Browser(bare) for _ in range(8)]
    for b in browsers:
        await b.get("/login")  # the CSRF cookie and token

    async def login(i: int) -> None:
        resp = await browsers[i].client.post("/login", data={"email": f"nobody{i}@spray.test", "password": "x",
                                                             "csrf_token": browsers[i].csrf})
        assert resp.status_code == 401
        finished.append("login")

    async def webhook() -> None:
        await asyncio.sleep(0)  # the logins are under way first
        assert (await bare.webhook(payload("wa_inbound_text.json"))).status_code == 200
        finished.append("webhook")

    await asyncio.gather(*(login(i) for i in range(8)), webhook())
    assert finished.index("webhook") < len(finished) - 1, finished
    for b in browsers:
        await b.aclose()


def test_failures_with_a_new_email_each_lock_the_address():
    throttle = LoginThrottle(max_failures=5, ip_max_failures=20)
    for i in range(20):
        assert throttle.wait(f"user{i}@spray.test", "10.0.0.1", now=100.0) == 0
        throttle.failed(f"user{i}@spray.test", "10.0.0.1", now=100.0)
    assert throttle.wait("fresh@spray.test", "10.0.0.1", now=101.0) > 0
    assert throttle.wait("fresh@spray.test", "10.0.0.2", now=101.0) == 0  # another address is not locked
    throttle.succeeded("user0@spray.test", "10.0.0.1")  # one good sign-in does not unlock the address
    assert throttle.wait("fresh@spray.test", "10.0.0.1", now=101.0) > 0
    assert throttle.wait("fresh@spray.test", "10.0.0.1", now=100.0 + throttle.cooldown + 1) == 0


async def test_the_login_page_answers_429_once_the_address_is_locked(bare):
    bare.app.state.inbox_throttle = LoginThrottle(ip_max_failures=3)
    browser = Browser(bare)
    for i in range(3):
        assert (await browser.login(f"n{i}@spray.test", "wrong")).status_code == 401
    assert (await browser.login("n9@spray.test", "wrong")).status_code == 429
    await browser.aclose()
