"""The sandbox drives a number's tier and quality: its control endpoint sends the signed
``phone_number_quality_update`` webhook Meta would, and chatdesk keeps what it says."""
from __future__ import annotations

from chatdesk.channels.models import Channel
from tests.conftest import PHONE_ID, settle


async def _channel(stack) -> tuple[str | None, str | None]:
    async with stack.rt.db.reader() as s:
        channel = await s.get_one(Channel, stack.channel_id)
        return channel.messaging_tier, channel.quality_rating


async def test_the_sandbox_sets_tier_and_quality_and_chatdesk_follows(stack):
    resp = await stack.sandbox.post(f"/_sandbox/numbers/{PHONE_ID}/quality", json={"tier": "TIER_10K"})
    assert resp.status_code == 200 and resp.json()["event"] == "UPGRADE", resp.text

    async def tier():
        return (await _channel(stack)) if (await _channel(stack))[0] == "TIER_10K" else None
    assert await settle(tier) == ("TIER_10K", None)

    resp = await stack.sandbox.post(f"/_sandbox/numbers/{PHONE_ID}/quality", json={"quality": "RED"})
    assert resp.json()["event"] == "FLAGGED"

    async def flagged():
        return (await _channel(stack)) if (await _channel(stack))[1] == "RED" else None
    assert await settle(flagged) == ("TIER_10K", "RED")
    (delivery, *_) = [d for d in (await stack.sandbox.get("/_sandbox/deliveries")).json()["deliveries"]
                      if d["kind"].startswith("quality:")]
    assert delivery  # logged like every other delivery


async def test_bad_input_is_refused(stack):
    assert (await stack.sandbox.post("/_sandbox/numbers/nope/quality", json={"tier": "TIER_2K"})).status_code == 404
    assert (await stack.sandbox.post(f"/_sandbox/numbers/{PHONE_ID}/quality", json={})).status_code == 422
    assert (await stack.sandbox.post(f"/_sandbox/numbers/{PHONE_ID}/quality",
                                     json={"tier": "TIER_3K"})).status_code == 422
