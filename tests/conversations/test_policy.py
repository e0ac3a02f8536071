"""Pure policy, table-driven: status moves, the service window, what may be sent, backoff."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatdesk.channels.whatsapp.adapter import CAPABILITIES as WA
from chatdesk.conversations import policy

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("current,incoming,expected", [
    ("queued", "pending", "pending"),
    ("pending", "sent", "sent"),
    ("sent", "delivered", "delivered"),
    ("sent", "read", "read"),            # read implies delivered; delivered may never come
    ("delivered", "sent", None),         # late sent does not go back
    ("read", "delivered", None),
    ("read", "read", None),              # replay
    ("sent", "failed", "failed"),
    ("pending", "failed", "failed"),
    ("delivered", "failed", None),       # it reached the customer
    ("failed", "read", None),            # failed is final
    ("failed", "sent", None),
    ("sent", "played", None),            # unknown statuses change nothing
    ("received", "read", None),          # inbound messages have no delivery status
])
def test_next_status(current, incoming, expected):
    assert policy.next_status(current, incoming) == expected


@pytest.mark.parametrize("age,open_", [
    (None, False), (timedelta(0), True), (timedelta(hours=23, minutes=59, seconds=59), True),
    (timedelta(hours=24), False), (timedelta(days=3), False)])
def test_service_window(age, open_):
    last = None if age is None else NOW - age
    assert policy.window_open(WA, last, NOW) is open_


H = timedelta(hours=1)


@pytest.mark.parametrize("wrote,closed,open_,closes", [
    # (customer's last message, provider's re-engagement failure): ages before NOW
    (H, None, True, NOW + 23 * H),
    (H, timedelta(minutes=10), False, NOW - timedelta(minutes=10)),  # failed after they wrote: closed
    (H, H, False, NOW - H),                            # at the same second: closed
    (H, 2 * H, True, NOW + 23 * H),                    # they wrote after the failure: a new window
    (25 * H, 2 * H, False, NOW - 2 * H),               # closed either way; the earlier end counts
    (None, H, False, None),                            # never wrote (unknown): closed, no end to show
    (timedelta(0), timedelta(0), False, NOW),
    (H, -timedelta(minutes=5), False, NOW + timedelta(minutes=5)),  # reported "in 5 minutes" by our clock
])
def test_the_providers_report_closes_the_window_whatever_our_clock_says(wrote, closed, open_, closes):
    last = None if wrote is None else NOW - wrote
    closed_at = None if closed is None else NOW - closed
    assert policy.window_open(WA, last, NOW, closed_at) is open_
    assert policy.window_closes_at(WA, last, closed_at) == closes


@pytest.mark.parametrize("type_,wrote,closed,code", [
    ("text", H, timedelta(minutes=5), "window_closed"),  # our clock says open; the provider said no
    ("image", H, timedelta(minutes=5), "window_closed"),
    ("template", H, timedelta(minutes=5), None),         # a template is the way back in
    ("text", timedelta(minutes=5), H, None),             # the customer wrote since
    ("text", None, H, "window_closed"),
])
def test_nothing_known_to_be_outside_the_window_is_sent(type_, wrote, closed, code):
    refusal = policy.check_outbound(WA, type=type_, text="hi", last_inbound_at=None if wrote is None else NOW - wrote,
                                    now=NOW, window_closed_at=NOW - closed)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize("code,closes", [(131047, True), (131026, False), (None, False), (470, False)])
def test_which_failures_close_the_window(code, closes):
    assert policy.closes_window(WA, code) is closes


@pytest.mark.parametrize("type_,text,age,code", [
    ("text", "hi", timedelta(hours=1), None),
    ("text", "hi", timedelta(hours=25), "window_closed"),
    ("template", None, timedelta(days=9), None),         # templates are the way back in
    ("text", "  ", timedelta(hours=1), "empty_message"),
    ("text", "x" * 4096, timedelta(hours=1), None),
    ("text", "x" * 4097, timedelta(hours=1), "text_too_long"),
    ("image", "c" * 1025, timedelta(hours=1), "text_too_long"),
    ("image", None, timedelta(hours=1), None),
    ("note", "x", timedelta(hours=1), "unsupported_type"),  # notes never go to a channel
    ("carousel", None, timedelta(hours=1), "unsupported_type"),
])
def test_check_outbound(type_, text, age, code):
    refusal = policy.check_outbound(WA, type=type_, text=text, last_inbound_at=NOW - age, now=NOW)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize("attempt,low,high", [(1, 0.5, 1), (2, 1, 2), (4, 4, 8), (20, 150, 300)])
def test_retry_delay_grows_and_is_capped(attempt, low, high):
    for jitter in (0.0, 0.5, 0.999):
        assert low <= policy.retry_delay(attempt, None, jitter) <= high


def test_provider_retry_hint_wins():
    assert policy.retry_delay(3, 42.0, 0.1) == 42.0


@pytest.mark.parametrize("span,text", [
    (timedelta(hours=24), "24 hours"), (timedelta(days=7), "7 days"), (timedelta(hours=1), "1 hour"),
    (timedelta(minutes=90), "90 minutes"), (timedelta(days=1), "24 hours")])
def test_duration_text(span, text):
    assert policy.duration_text(span) == text


def test_refusal_texts_come_from_the_channel_not_from_whatsapp():
    """Shared code names no platform: a channel with a 7-day window says 7 days, in its own name."""
    from dataclasses import replace
    week = replace(WA, kind="other", title="Messenger", service_window=timedelta(days=7))
    refusal = policy.check_outbound(week, type="text", text="hi", last_inbound_at=NOW - timedelta(days=8), now=NOW)
    assert refusal is not None and refusal.code == "window_closed"
    assert "7 days" in refusal.detail and "Messenger" in refusal.detail and "24" not in refusal.detail
    assert policy.check_outbound(week, type="text", text="hi", last_inbound_at=NOW - timedelta(days=6),
                                 now=NOW) is None
    wa = policy.check_outbound(WA, type="text", text="hi", last_inbound_at=NOW - timedelta(hours=25), now=NOW)
    assert "24 hours" in wa.detail and "WhatsApp" in wa.detail
    never = policy.check_outbound(WA, type="text", text="hi", last_inbound_at=None, now=NOW)
    assert "not written" in never.detail


@pytest.mark.parametrize("type_,size,code", [
    ("image", 0, "media_empty"), ("image", 5 * 2**20, None), ("image", 5 * 2**20 + 1, "media_too_large"),
    ("sticker", 500 * 2**10 + 1, "media_too_large"), ("document", 100 * 2**20, None)])
def test_check_media(type_, size, code):
    refusal = policy.check_media(WA, type=type_, size=size)
    assert (refusal.code if refusal else None) == code
    if code == "media_too_large":
        assert refusal.status == 413 and "WhatsApp" in refusal.detail


@pytest.mark.parametrize("type_,mime,code", [
    ("document", "application/zip", "media_type_unsupported"), ("document", "application/pdf", None),
    ("audio", "audio/ogg; codecs=opus", None), ("image", "image/webp", "media_type_unsupported"),
    ("sticker", "image/webp", None), ("image", "IMAGE/PNG", None),
    ("video", "video/quicktime", "media_type_unsupported")])
def test_check_media_type_against_the_channel(type_, mime, code):
    refusal = policy.check_media(WA, type=type_, size=100, mime=mime)
    assert (refusal.code if refusal else None) == code
    if code:
        assert refusal.status == 422 and "WhatsApp" in refusal.detail and mime in refusal.detail
