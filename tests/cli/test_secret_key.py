"""Issue 12, defect 7: a lost, empty, short or wrong secret key stops the process at start (one
line, exit 2) instead of a new key being made silently and every webhook answering 500."""
from __future__ import annotations

import pytest

from chatdesk.core.crypto import BadSecretKey
from chatdesk.core.settings import Settings
from tests.cli.test_cli import cli, one_line_error  # noqa: F401  (cli is a fixture)


def _install_with_a_channel(cli, tmp_path) -> None:  # noqa: F811
    assert cli("db", "upgrade").returncode == 0
    slug = cli("workspace", "create", "Key Shop").stdout.strip()
    added = cli("channel", "add", "whatsapp", "--workspace", slug, "--phone-number-id", "123456",
                "--display-phone-number", "+31 20 555 0100", "--waba-id", "654321", "--access-token", "t",
                "--app-secret", "s", "--verify-token", "v", "--graph-url", "http://127.0.0.1:9")
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "data" / "secret.key").exists()


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_deleted_key_with_stored_secrets_refuses_to_start_and_makes_no_new_key(cli, tmp_path, command):  # noqa: F811
    _install_with_a_channel(cli, tmp_path)
    key = tmp_path / "data" / "secret.key"
    key.unlink()
    assert "restore the key" in one_line_error(cli(command, "--port", "1") if command == "serve" else cli(command))
    assert not key.exists()
    # and a channel added now is not encrypted with a brand-new key either
    again = cli("channel", "add", "whatsapp", "--workspace", "key-shop", "--phone-number-id", "777",
                "--display-phone-number", "+31 20 555 0101", "--waba-id", "1", "--access-token", "t",
                "--app-secret", "s", "--verify-token", "v", "--graph-url", "http://127.0.0.1:9")
    assert "restore the key" in one_line_error(again)
    assert not key.exists()


@pytest.mark.parametrize("content", ["", "\n", "short"])
def test_an_empty_or_short_key_file_refuses_to_start(cli, tmp_path, content):  # noqa: F811
    _install_with_a_channel(cli, tmp_path)
    (tmp_path / "data" / "secret.key").write_text(content)
    assert "too short" in one_line_error(cli("serve", "--port", "1"))


def test_another_key_refuses_to_start(cli, tmp_path):  # noqa: F811
    _install_with_a_channel(cli, tmp_path)
    (tmp_path / "data" / "secret.key").write_text("x" * 43)
    assert "does not decrypt" in one_line_error(cli("serve", "--port", "1"))


def test_a_short_environment_key_is_refused(tmp_path):
    with pytest.raises(BadSecretKey, match="CHATDESK_SECRET_KEY is too short"):
        Settings(data_dir=tmp_path, secret_key="").encryption_key()
    with pytest.raises(BadSecretKey):
        Settings(data_dir=tmp_path, secret_key="sixteen-chars-xx").encryption_key()


def test_a_new_install_gets_a_private_key_once(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    key = settings.encryption_key()
    assert len(key) >= 32 and settings.encryption_key() == key
    assert (settings.key_file.stat().st_mode & 0o777) == 0o600
