"""Business hours: open or closed in the workspace's time zone; outside them the widget gets
``open: false`` (its offline form) and a message is still stored as a conversation."""
from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from chatdesk.widget import hours
from chatdesk.widget import setup as widget_setup
from tests.conftest import settle

WEEKDAYS = {"mon": ["09:00", "17:00"], "tue": ["09:00", "17:00"]}


@pytest.mark.parametrize(("utc", "tz", "expected"), [
    ("2026-11-30T08:30:00", "Europe/Amsterdam", True),    # Monday 09:30 in Amsterdam
    ("2026-11-30T07:30:00", "Europe/Amsterdam", False),   # Monday 08:30 there
    ("2026-11-30T16:00:00", "Europe/Amsterdam", False),   # 17:00 there: closed at closing time
    ("2026-11-30T16:00:00", "UTC", True),
    ("2026-12-02T10:00:00", "UTC", False),                # Wednesday: not listed, closed
    ("2026-12-02T10:00:00", "No/Such_Zone", False),       # an unknown zone reads as UTC
])
def test_open_in_the_workspace_time_zone(utc, tz, expected):
    assert hours.is_open(WEEKDAYS, tz, datetime.fromisoformat(utc).replace(tzinfo=UTC)) is expected


def test_no_hours_is_always_open_and_bad_forms_name_the_day():
    assert hours.is_open({}, "UTC", datetime(2026, 12, 6, 3, tzinfo=UTC))
    assert hours.parse({"mon_open": "09:00", "mon_close": "17:30", "tue_open": "", "tue_close": ""}) == {
        "mon": ["09:00", "17:30"]}
    for bad in ({"fri_open": "18:00", "fri_close": "09:00"}, {"fri_open": "9am", "fri_close": "17:00"},
                {"fri_open": "09:00"}):
        with pytest.raises(ValueError, match="fri"):
            hours.parse(bad)


async def test_outside_hours_the_widget_is_told_and_messages_still_arrive(webchat, visitor):
    assert (await visitor.start()).json()["open"] is True
    today = hours.DAYS[webchat.clock.now().weekday()]  # the workspace's zone is UTC
    tomorrow = hours.DAYS[(webchat.clock.now().weekday() + 1) % 7]
    await _set_hours(webchat, {f"{tomorrow}_open": "00:00", f"{tomorrow}_close": "23:59"})
    assert (await visitor.start()).json()["open"] is False
    assert (await visitor.say("Call me tomorrow", name="Bo", email="bo@example.com")).status_code == 202
    (conv,) = await settle(lambda: webchat.conversations())
    assert conv["contact"]["name"] == "Bo"
    await _set_hours(webchat, {f"{today}_open": "00:00", f"{today}_close": "23:59"})
    assert (await visitor.start()).json()["open"] is (webchat.clock.now().time() < time(23, 59))


async def _set_hours(webchat, form):
    async with webchat.rt.db.session() as session:
        await widget_setup.save_hours(session, webchat.workspace_id, form, webchat.clock.now())
