"""``chatdesk sandbox --chatdesk-url BASE`` sends each platform's webhooks to its own path under
BASE; ``--webhook-url`` alone keeps working for WhatsApp."""
from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from chatdesk import cli, server
from chatdesk.sandbox.config import SandboxConfig


@pytest.fixture
def runs(monkeypatch) -> list[SandboxConfig]:
    configs: list[SandboxConfig] = []

    def fake(host: str, port: int, webhook_url: str, app_secret: str, **kwargs: Any) -> None:
        social = kwargs.pop("social", None) or {}
        configs.append(SandboxConfig(webhook_url=webhook_url, app_secret=app_secret, **social))

    monkeypatch.setattr(server, "run_sandbox", fake)
    return configs


def test_chatdesk_url_wires_all_three_platforms(runs):
    result = CliRunner().invoke(cli.app, ["sandbox", "--chatdesk-url", "http://127.0.0.1:8000/",
                                          "--app-secret", "s", "--page-token", "PT"])
    assert result.exit_code == 0, result.output
    config = runs[0]
    assert config.webhook_url == "http://127.0.0.1:8000/webhooks/whatsapp"
    assert config.messenger_webhook_url == "http://127.0.0.1:8000/webhooks/messenger"
    assert config.instagram_webhook_url == "http://127.0.0.1:8000/webhooks/instagram"
    assert config.public_url == "http://127.0.0.1:8100"
    page = next(a for a in config.social_accounts if a.platform == "messenger")
    assert page.access_token == "PT"


def test_webhook_url_alone_is_whatsapp_only(runs):
    result = CliRunner().invoke(cli.app, ["sandbox", "--webhook-url", "http://x.test/hook",
                                          "--app-secret", "s"])
    assert result.exit_code == 0, result.output
    assert runs[0].webhook_url == "http://x.test/hook"
    assert runs[0].messenger_webhook_url is None and runs[0].instagram_webhook_url is None


def test_no_url_at_all_is_an_error(runs):
    result = CliRunner().invoke(cli.app, ["sandbox", "--app-secret", "s"])
    assert result.exit_code == 2 and not runs
