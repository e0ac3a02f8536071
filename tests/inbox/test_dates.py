"""Dates in the agent's language (Babel) and the workspace's time zone."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatdesk.inbox.dates import Formatter
from chatdesk.inbox.i18n import translator

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday; 11:00 in Amsterdam


def fmt(lang: str) -> Formatter:
    return Formatter("Europe/Amsterdam", lang, translator(lang), now=NOW)


@pytest.mark.parametrize("lang,weekday,short_weekday,later,last_year", [
    ("en", "Saturday", "Sat", "21 Dec", "27 Oct 2025"),
    ("nl", "Zaterdag", "Za", "21 dec", "27 okt 2025"),
    ("de", "Samstag", "Sa.", "21. Dez.", "27. Okt. 2025"),
])
def test_weekdays_are_whole_words_and_later_dates_show_the_date(lang, weekday, short_weekday, later, last_year):
    f = fmt(lang)
    assert f.day(NOW - timedelta(days=3)) == weekday
    assert f.short(NOW - timedelta(days=3)) == short_weekday
    assert f.short(NOW + timedelta(days=20)) == later  # three weeks ahead: a date, not a weekday
    assert f.short(NOW - timedelta(days=400)) == last_year


def test_times_are_in_the_workspace_zone_and_named_days_are_translated():
    de = fmt("de")
    assert de.short(NOW) == "11:00"
    assert de.short(NOW - timedelta(days=1)) == "Gestern"
    assert de.short(NOW + timedelta(days=1)) == "Morgen"
    assert de.full(NOW) == "1. Dez. 2026 11:00"
    assert fmt("nl").day(NOW) == "Vandaag"
    assert fmt("en").date(NOW) == "1 Dec 2026"
