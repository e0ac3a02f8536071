"""Issue 12, defect 8: numbers beyond what the database stores (64-bit) in paths, queries and
bodies answer 404 or 422 problems, never 500."""
from __future__ import annotations

import pytest

from tests.inbox.conftest import conversation_of

BIG = 2**63


@pytest.mark.parametrize("path", [
    f"/api/v1/conversations/{BIG}", f"/api/v1/conversations/{BIG}/messages", f"/api/v1/contacts/{BIG}",
    f"/api/v1/messages/{BIG}/media", f"/api/v1/conversations/-{BIG + 1}", f"/api/v1/conversations/{10**40}",
])
async def test_an_id_in_the_path_beyond_64_bits_is_a_problem(bare, path):
    resp = await bare.api.get(path)
    assert resp.status_code in (404, 422), resp.text
    assert resp.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("query", [
    {"page": str(2**62)}, {"page": str(BIG)}, {"channel": str(10**30)},
    {"channel": str(BIG)},
])
async def test_a_number_in_the_query_beyond_range_is_a_422(bare, query):
    resp = await bare.api.get("/api/v1/conversations", params=query)
    assert resp.status_code in (404, 422), resp.text
    assert resp.headers["content-type"] == "application/problem+json"


async def test_an_id_in_the_body_beyond_64_bits_is_a_422(stack):
    cid = await conversation_of(stack, "31600000001", name="Big Numbers")
    url = f"/api/v1/conversations/{cid}/messages"
    for body in ({"type": "text", "text": "hi", "reply_to_id": BIG},
                 {"type": "reaction", "message_id": BIG, "emoji": "👍"}):
        resp = await stack.api.post(url, json=body)
        assert resp.status_code in (404, 422), resp.text
        assert resp.headers["content-type"] == "application/problem+json"
    form = await stack.api.post(url, data={"type": "text", "text": "hi", "reply_to_id": str(BIG)})
    assert form.status_code in (404, 422), form.text
    for patch in ({"assignee_id": BIG}, {"team_id": BIG}, {"label_ids": [BIG]}):
        resp = await stack.api.patch(f"/api/v1/conversations/{cid}", json=patch)
        assert resp.status_code in (404, 422), (patch, resp.text)


def test_a_resume_cursor_beyond_range_is_ignored():
    from starlette.requests import Request

    from chatdesk.conversations.live import requested_cursor

    request = Request({"type": "http", "headers": [(b"last-event-id", str(BIG).encode())], "query_string": b""})
    assert requested_cursor(request) is None
