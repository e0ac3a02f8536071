"""``chatdesk sending pause | resume | status``: the operator's switch, round trip through the CLI."""
from __future__ import annotations

from tests.cli.test_cli import cli  # noqa: F401  (a fixture)


def test_pause_status_resume_round_trip(cli):  # noqa: F811
    assert cli("db", "upgrade").returncode == 0
    status = cli("sending", "status")
    assert status.returncode == 0 and status.stdout.startswith("sending is on;"), status.stderr
    paused = cli("sending", "pause", "--reason", "restored copy, checking it")
    assert paused.returncode == 0, paused.stderr
    status = cli("sending", "status").stdout
    assert "sending is PAUSED since " in status and "restored copy, checking it" in status
    assert "@" in status.split(" by ", 1)[1]  # who: user@host
    again = cli("sending", "pause", "--reason", "another reason")  # already paused: the first reason stands
    assert again.returncode == 0 and "restored copy, checking it" in again.stdout
    resumed = cli("sending", "resume")
    assert resumed.returncode == 0 and "sending is on (resumed " in resumed.stdout, resumed.stderr
    assert cli("sending", "status").stdout.startswith("sending is on (resumed ")


def test_resume_warns_while_the_start_paused_setting_is_still_set(cli):  # noqa: F811
    assert cli("db", "upgrade").returncode == 0
    resumed = cli("sending", "resume", CHATDESK_SENDING_PAUSED="true")
    assert resumed.returncode == 0
    assert "CHATDESK_SENDING_PAUSED is set" in resumed.stderr
