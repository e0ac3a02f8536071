"""The per-number outbound rate limit is never exceeded, however many replies are queued."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import Stack, settle


@pytest.fixture
async def slow_number(settings, clock):
    # real time at the sandbox: its accept times are what this test measures
    s = await Stack(settings, clock, rate_limit=5.0, sandbox_options={"rate_limit_mps": 5.0},
                    share_clock=False).start()
    try:
        yield s
    finally:
        await s.stop()


async def test_burst_is_paced_to_the_numbers_rate(slow_number):
    stack = slow_number
    convs = []
    for n in range(4):
        await stack.customer_says(f"4915100000{n}", type="text", text="Hallo")
    convs = await settle(lambda: _four(stack))
    for i in range(12):
        conv = convs[i % 4]
        resp = await stack.api.post(f"/api/v1/conversations/{conv['id']}/messages",
                                    json={"type": "text", "text": f"Antwort {i}"})
        assert resp.status_code == 202
    sent = await settle(lambda: _all_sent(stack, 12), timeout=30)
    times = sorted(datetime.fromisoformat(s["accepted_at"]).timestamp() for s in sent)
    for i, t in enumerate(times):
        in_window = [u for u in times[i:] if u < t + 1.0]
        assert len(in_window) <= 5, "more than 5 sends in one second"
    rejected = (await stack.sandbox.get("/_sandbox/rejected")).json()["rejected"]
    assert not [r for r in rejected if r.get("code") == 130429]


async def _four(stack):
    convs = await stack.conversations()
    return convs if len(convs) == 4 else None


async def _all_sent(stack, n):
    sent = [s for s in await stack.sent_requests() if s.get("type") == "text"]
    return sent if len(sent) >= n else None
