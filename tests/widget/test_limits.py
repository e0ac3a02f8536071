"""Limits on the visitor API: sizes, file types, and requests per visitor and per address."""
from __future__ import annotations

import pytest

from chatdesk.core.errors import Problem
from chatdesk.widget import api
from chatdesk.widget.limits import VisitorLimits
from tests.conftest import settle

from .conftest import KEY, SITE


async def test_every_field_is_bounded(webchat, visitor):
    assert (await visitor.start(name="n" * 101)).status_code == 422
    assert (await visitor.start(user_id="u" * 161, user_hash="x")).status_code == 422
    await visitor.start()
    for body in ({"text": "x" * 4097}, {"text": ""}, {"text": "hi", "name": "n" * 101},
                 {"text": "hi", "email": "e" * 321}):
        resp = await visitor.http.post(f"/widget/{KEY}/messages", json=body, headers=visitor.headers())
        assert resp.status_code == 422, body
        assert resp.headers["content-type"] == "application/problem+json"
    assert (await visitor.say("   ")).json()["code"] == "empty_message"


async def test_attachments_are_checked_for_type_and_size(webchat, visitor, monkeypatch):
    await visitor.start()
    url = f"/widget/{KEY}/attachments"
    bad = await visitor.http.post(url, files={"file": ("x.html", b"<script>", "text/html")}, headers=visitor.headers())
    assert bad.status_code == 415 and bad.json()["code"] == "attachment_type"
    assert bad.headers["access-control-allow-origin"] == SITE
    monkeypatch.setattr(api, "UPLOAD_MAX", 10)
    big = await visitor.http.post(url, files={"file": ("a.png", b"x" * 11, "image/png")}, headers=visitor.headers())
    assert big.status_code == 413 and big.json()["code"] == "attachment_too_large"
    ok = await visitor.http.post(url, files={"file": ("a.png", b"\x89PNG0123", "image/png")},
                                 data={"caption": "my photo"}, headers=visitor.headers())
    assert ok.status_code == 202, ok.text
    (shown,) = await settle(lambda: visitor.history())
    assert shown["type"] == "image" and shown["has_media"] and shown["text"] == "my photo"
    (conv,) = await webchat.conversations()
    (msg,) = await webchat.messages(conv["id"])
    assert msg["type"] == "image"


async def test_too_many_messages_from_one_visitor_are_refused(webchat, visitor, monkeypatch):
    monkeypatch.setattr(api, "LIMITS", VisitorLimits(per_visitor=3, per_address=100))
    await visitor.start()
    codes = [(await visitor.say(f"m{i}")).status_code for i in range(5)]
    assert codes == [202, 202, 202, 429, 429]
    assert (await visitor.say("again")).json()["code"] == "rate_limited"


def test_the_limits_count_per_visitor_and_per_address_in_a_sliding_window():
    now = [0.0]
    limits = VisitorLimits(per_visitor=2, per_address=4, seconds=60, monotonic=lambda: now[0])
    limits.check("1.2.3.4", "a")
    limits.check("1.2.3.4", "a")
    with pytest.raises(Problem):
        limits.check("1.2.3.4", "a")
    limits.check("1.2.3.4", "b")  # another visitor at that address (a refused request counts there too)
    with pytest.raises(Problem):
        limits.check("1.2.3.4", "c")  # the address is used up
    now[0] = 61.0
    limits.check("1.2.3.4", "a")
