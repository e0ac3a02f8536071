"""The reply window's countdown: "2 h left" in the composer and the list, in the reader's
language, with the time left (by the server's clock) that inbox.js counts down from."""
from __future__ import annotations

import re

import pytest

from chatdesk.inbox.present import time_left
from tests.conftest import Stack
from tests.inbox.conftest import Browser, conversation_of

WS = "/w/test-shop"


@pytest.mark.parametrize(("seconds", "expected"), [
    (1, ("min", 1)), (59, ("min", 1)), (61, ("min", 2)), (12 * 60, ("min", 12)),
    (59 * 60 + 1, ("h", 1)), (3600, ("h", 1)), (2 * 3600 + 1800, ("h", 2)),
    (23 * 3600 + 3599, ("h", 24)), (23 * 3600 - 1, ("h", 23)), (47 * 3600, ("h", 47)),
    (48 * 3600, ("d", 2)), (7 * 86400 - 1, ("d", 7)), (3 * 86400 - 61, ("d", 2)), (-5, ("min", 1)),
])
def test_time_left_reads_like_a_person_says_it(seconds, expected):
    assert time_left(seconds) == expected


def _left_ms(html: str, where: str) -> int:
    m = re.search(rf'class="countdown countdown-{where}[^"]*" data-left="(\d+)"', html)
    assert m, html
    return int(m.group(1))


async def test_composer_and_list_count_down_the_window(stack: Stack, owner: Browser):
    cid = await conversation_of(stack, "31600000101", "Still open?", name="Countdown Carla")
    stack.clock.advance(hours=22)

    page = (await owner.get(f"{WS}/c/{cid}")).text
    assert re.search(r'class="countdown countdown-composer"[^>]*>2 h left</span>', page)
    assert re.search(r'class="countdown countdown-list"[^>]*>2 h left</span>', page)
    assert abs(_left_ms(page, "composer") - 2 * 3600 * 1000) < 60_000
    assert 'data-left-h="%(n)s h left"' in page   # the format inbox.js counts down with

    stack.clock.advance(minutes=108)
    window = (await owner.get(f"{WS}/c/{cid}/window")).text
    assert re.search(r'class="countdown countdown-composer soon"[^>]*>1[12] min left</span>', window)
    assert 'data-state="open"' in window and "window-banner" not in window


async def test_the_countdown_speaks_dutch_and_german(stack: Stack, owner: Browser):
    cid = await conversation_of(stack, "31600000102", "Hallo", name="Nina Nl")
    stack.clock.advance(hours=21, minutes=30)
    nl = (await owner.get(f"{WS}/c/{cid}", headers={"Accept-Language": "nl"})).text
    assert ">nog 2 u</span>" in nl and 'data-left-min="nog %(n)s min"' in nl
    de = (await owner.get(f"{WS}/", headers={"Accept-Language": "de"})).text
    assert ">noch 2 Std.</span>" in de


async def test_a_closed_window_has_no_countdown_and_says_why(stack: Stack, owner: Browser):
    cid = await conversation_of(stack, "31600000103", "Hi", name="Late Larry")
    stack.clock.advance(hours=24, seconds=1)
    page = (await owner.get(f"{WS}/c/{cid}")).text
    assert "countdown" not in page.split('id="app"')[1].split(">", 1)[1]   # neither list nor composer
    window = (await owner.get(f"{WS}/c/{cid}/window")).text
    assert 'data-state="closed"' in window and "window-banner" in window and 'id="template-picker"' in window
