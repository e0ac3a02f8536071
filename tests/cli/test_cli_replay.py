"""``chatdesk events replay`` as a user runs it, and the times it understands."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chatdesk.core.clock import parse_moment
from tests.cli.test_cli import cli, one_line_error  # noqa: F401  (cli is a fixture)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("text,expected", [
    ("90m", NOW - timedelta(minutes=90)),
    ("24h", NOW - timedelta(hours=24)),
    ("7d", NOW - timedelta(days=7)),
    ("2w", NOW - timedelta(weeks=2)),
    ("2026-11-29T08:00", datetime(2026, 11, 29, 8, 0, tzinfo=UTC)),  # naive is UTC
    ("2026-11-29T08:00:00+01:00", datetime(2026, 11, 29, 7, 0, tzinfo=UTC)),
    ("2026-11-29T08:00:00Z", datetime(2026, 11, 29, 8, 0, tzinfo=UTC)),
    ("2026-11-29", datetime(2026, 11, 29, tzinfo=UTC)),
])
def test_times_are_iso_8601_or_a_duration_back_from_now(text, expected):
    moment = parse_moment(text, NOW)
    assert moment == expected and moment.tzinfo is not None
    assert moment.utcoffset() == timezone.utc.utcoffset(None)


@pytest.mark.parametrize("text", ["yesterday", "7", "-3h", "3 days", "2026-13-01", ""])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_moment(text, NOW)


def test_replay_prints_how_many_it_queued_and_refuses_bad_input_in_one_line(cli):
    assert cli("db", "upgrade").returncode == 0
    slug = cli("workspace", "create", "Replay Shop").stdout.strip()
    done = cli("events", "replay", "--since", "24h", "--workspace", slug)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("0 stored webhook bodies queued") and "--now" in done.stdout
    now = cli("events", "replay", "--since", "2026-01-01T00:00", "--now")
    assert now.returncode == 0 and "processed again" in now.stdout, now.stderr
    assert "not a time" in one_line_error(cli("events", "replay", "--since", "last week"))
    assert "before" in one_line_error(cli("events", "replay", "--since", "1h", "--until", "2h"))
    assert "No workspace" in one_line_error(cli("events", "replay", "--since", "1h", "--workspace", "nope"))
