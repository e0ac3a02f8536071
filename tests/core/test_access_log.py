"""Web processes log one access line per request (404s too) with the request id they echo, and
one start-up line with the version and the settings, secrets masked."""
from __future__ import annotations

import json
import logging

import pytest

from chatdesk.core.settings import Settings
from chatdesk.server import log_startup
from tests.core.test_ops_observability import json_logs  # noqa: F401  (a fixture)


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "chatdesk.access"]


async def test_a_404_gets_an_access_line_with_the_echoed_request_id(bare, json_logs):  # noqa: F811
    resp = await bare.api.get("/no/such/page?q=private-words", headers={"X-Request-ID": "nginx-abc123"})
    assert resp.status_code == 404 and resp.headers["x-request-id"] == "nginx-abc123"
    (line,) = access_lines(json_logs())
    assert line["method"] == "GET" and line["path"] == "/no/such/page" and line["status"] == 404
    assert line["request_id"] == "nginx-abc123" and line["duration_ms"] >= 0
    ours = [line for line in json_logs() if line["logger"].startswith("chatdesk")]
    assert "private-words" not in json.dumps(ours)  # query strings stay out of our logs


async def test_access_lines_name_the_workspace(bare, json_logs):  # noqa: F811
    api = await bare.api.get("/api/v1/conversations")
    inbox = await bare.api.get("/w/some-shop/")
    assert api.status_code == 200
    by_path = {line["path"]: line for line in access_lines(json_logs())}
    assert by_path["/api/v1/conversations"]["workspace_id"] == bare.workspace_id
    assert by_path["/api/v1/conversations"]["request_id"] == api.headers["x-request-id"]
    assert by_path["/w/some-shop/"]["workspace"] == "some-shop"
    assert by_path["/w/some-shop/"]["status"] == inbox.status_code


def test_startup_line_shows_version_and_settings_with_secrets_masked(tmp_path, caplog: pytest.LogCaptureFixture):
    settings = Settings(data_dir=tmp_path, secret_key="a-very-secret-key-0123456789abcdefghij",
                        database_url="postgresql://chatdesk:hunter2-password@db.internal/chatdesk")
    with caplog.at_level(logging.INFO, logger="chatdesk.startup"):
        log_startup(settings, "web on 127.0.0.1:8001")
    (record,) = [r for r in caplog.records if r.name == "chatdesk.startup"]
    text = record.getMessage()
    assert "starting web on 127.0.0.1:8001" in text and record.version in text  # type: ignore[attr-defined]
    assert "hunter2" not in text and "a-very-secret" not in text
    assert record.settings["secret_key"] == "***"  # type: ignore[attr-defined]
    assert record.settings["database_url"] .endswith("://chatdesk:***@db.internal/chatdesk")  # type: ignore[attr-defined]
    assert record.settings["log_json"] is False  # type: ignore[attr-defined]
