"""Snooze presets in the workspace's time zone (table-driven), and from the inbox's header."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chatdesk.conversations.snooze import preset_time
from chatdesk.core.errors import Problem

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(("now", "preset", "expected"), [
    # Wednesday 2 Dec 2026 10:15 in Amsterdam (UTC+1)
    (datetime(2026, 12, 2, 9, 15, tzinfo=UTC), "hour", datetime(2026, 12, 2, 10, 15, tzinfo=UTC)),
    (datetime(2026, 12, 2, 9, 15, tzinfo=UTC), "evening", datetime(2026, 12, 2, 18, 0, tzinfo=AMS)),
    (datetime(2026, 12, 2, 9, 15, tzinfo=UTC), "tomorrow", datetime(2026, 12, 3, 9, 0, tzinfo=AMS)),
    (datetime(2026, 12, 2, 9, 15, tzinfo=UTC), "next_week", datetime(2026, 12, 7, 9, 0, tzinfo=AMS)),
    # 19:30 local: this evening has passed, so the next one
    (datetime(2026, 12, 2, 18, 30, tzinfo=UTC), "evening", datetime(2026, 12, 3, 18, 0, tzinfo=AMS)),
    # 23:30 UTC on Sunday is 00:30 Monday in Amsterdam: "tomorrow" is Tuesday, next week a week on
    (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "tomorrow", datetime(2026, 12, 8, 9, 0, tzinfo=AMS)),
    (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "next_week", datetime(2026, 12, 14, 9, 0, tzinfo=AMS)),
    # across the spring DST change (29 Mar 2026): still 09:00 on the wall clock
    (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "tomorrow", datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
])
def test_presets_are_wall_clock_times_in_the_workspace_zone(now, preset, expected):
    assert preset_time(preset, now, AMS) == expected


def test_an_unknown_preset_is_refused():
    with pytest.raises(Problem):
        preset_time("someday", datetime(2026, 12, 2, tzinfo=UTC), AMS)


async def test_the_header_snoozes_with_a_preset_and_sets_pending(stack, owner):
    from tests.inbox.conftest import conversation_of
    ws = "/w/test-shop"
    cid = await conversation_of(stack, "31600000088", "Later please", name="Preset Pete")
    page = await owner.get(f"{ws}/c/{cid}")
    assert 'id="snooze-tomorrow"' in page.text and 'id="pending-btn"' in page.text
    resp = await owner.post(f"{ws}/c/{cid}/status", {"status": "snoozed", "until": "", "preset": "tomorrow"})
    assert resp.status_code == 200 and 'data-status="snoozed"' in resp.text
    conv = (await stack.api.get(f"/api/v1/conversations/{cid}")).json()
    expected = preset_time("tomorrow", stack.clock.now(), ZoneInfo("UTC"))  # the test workspace's zone
    assert datetime.fromisoformat(conv["snoozed_until"]) == expected
    resp = await owner.post(f"{ws}/c/{cid}/status", {"status": "pending"})
    assert 'data-status="pending"' in resp.text and 'id="open-btn"' in resp.text
    assert (await stack.api.get(f"/api/v1/conversations/{cid}")).json()["status"] == "pending"
