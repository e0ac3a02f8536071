"""While sending is paused (``chatdesk sending pause``, a restored copy) every inbox and admin
page says so, so agents know their replies wait, and ``/metrics`` reports it."""
from __future__ import annotations

WS = "/w/test-shop"
BANNER = 'id="sending-paused"'


async def test_inbox_and_admin_say_that_sending_is_paused(stack, owner):
    assert BANNER not in (await owner.get(f"{WS}/")).text
    await stack.rt.sending.set(True, by="test", now=stack.clock.now())
    inbox = await owner.get(f"{WS}/")
    assert BANNER in inbox.text and "Sending is paused" in inbox.text
    admin = await owner.get(f"{WS}/settings/channels")
    assert admin.status_code == 200 and BANNER in admin.text
    dutch = await owner.get(f"{WS}/", headers={"Accept-Language": "nl"})
    assert "Verzenden is gepauzeerd" in dutch.text


async def test_metrics_report_that_sending_is_paused(stack):
    assert "chatdesk_sending_paused 0.0" in (await stack.api.get("/metrics")).text
    await stack.rt.sending.set(True, by="test", now=stack.clock.now())
    assert "chatdesk_sending_paused 1.0" in (await stack.api.get("/metrics")).text
