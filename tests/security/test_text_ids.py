"""Ids read from text (query strings, form fields, tracking tags): ``str.isdigit`` says yes to
``²`` and ``٣``, which ``int`` refuses, and to numbers beyond 64 bits, which the database refuses;
both used to answer 500. Found by tests/security/test_openapi_fuzz.py (``?channel=²``)."""
from __future__ import annotations

import pytest

from chatdesk.conversations import policy
from chatdesk.core.params import text_id
from tests.inbox.conftest import Browser, add_member


@pytest.mark.parametrize("value, expected", [("12", 12), ("007", 7), (str(2**63 - 1), 2**63 - 1), ("²", None),
                                             ("٣", None), (str(2**63), None), ("", None), ("-1", None),
                                             (" 1", None)])
def test_text_id_accepts_ascii_digits_within_64_bits(value, expected):
    assert text_id(value) == expected


def test_a_tracking_tag_with_other_digits_is_not_ours():
    assert policy.tracked_message_id(policy.tracking_tag(42)) == 42
    assert policy.tracked_message_id(policy.tracking_tag(42).replace("42", "4²")) is None


@pytest.mark.parametrize("channel", ["²", str(2**64)])
async def test_rest_channel_filter_with_odd_digits_is_a_422_problem(bare, channel):
    resp = await bare.api.get("/api/v1/conversations", params={"channel": channel})
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"


async def test_inbox_filters_and_forms_with_odd_digits_are_not_errors(bare):
    await add_member(bare, bare.workspace_id, "owner@test.shop", "owner")
    browser = Browser(bare)
    try:
        await browser.login("owner@test.shop")
        for params in ({"channel": "²"}, {"label": "٣"}, {"team": str(2**64)}):
            assert (await browser.get("/w/test-shop/", params=params)).status_code == 200, params
    finally:
        await browser.aclose()
