"""Graph API answers as chatdesk reads them: the conformance error bodies become channel errors
that say whether a retry can help, with Meta's title and details kept for the agent."""
from __future__ import annotations

import json

import httpx
import pytest

from chatdesk.channels.base import PermanentChannelError, RetriableChannelError
from chatdesk.channels.meta.graph import GraphClient
from tests.conftest import payload


def answer(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("POST", "https://graph.test/v23.0/1/messages"))


@pytest.mark.parametrize("name,retriable,code,title", [
    ("wa_error_rate_limit.json", True, 130429, "Rate limit hit"),
    ("wa_error_re_engagement.json", False, 131047, "Re-engagement message"),
    ("wa_error_invalid_parameter.json", False, 131009, "Parameter value is not valid"),
])
def test_conformance_errors_are_classified(name, retriable, code, title):
    body = json.loads(payload(name))
    with pytest.raises(RetriableChannelError if retriable else PermanentChannelError) as caught:
        GraphClient._result(answer(400, body))
    assert (caught.value.code, caught.value.title) == (code, title)
    assert caught.value.detail == body["error"]["error_data"].get("details")


def test_metas_is_transient_flag_makes_an_error_worth_retrying():
    body = {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100,
                      "is_transient": True, "fbtrace_id": "A"}}
    with pytest.raises(RetriableChannelError):
        GraphClient._result(answer(400, body))
    body["error"]["is_transient"] = False
    with pytest.raises(PermanentChannelError):
        GraphClient._result(answer(400, body))
    body["error"].update(code=130429, message="(#130429) Rate limit hit")   # throttling: always retried
    with pytest.raises(RetriableChannelError):
        GraphClient._result(answer(400, body))


def test_an_answer_without_a_graph_error_is_judged_by_its_status():
    with pytest.raises(RetriableChannelError):
        GraphClient._result(answer(502, "<html>Bad gateway</html>"))
    with pytest.raises(PermanentChannelError):
        GraphClient._result(answer(404, None))
