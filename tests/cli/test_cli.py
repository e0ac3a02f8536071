"""The CLI as a user runs it: results on stdout, one-line errors and exit code 2."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "CHATDESK_DATA_DIR": str(tmp_path / "data")}
    env.pop("CHATDESK_DATABASE_URL", None)

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "chatdesk.cli", *args], capture_output=True, text=True,
                              env={**env, **extra_env}, timeout=60)
    return run


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return result.stderr


def test_help_lists_the_product_commands(cli):
    out = cli("--help").stdout
    for command in ("demo", "serve", "worker", "sandbox", "channel", "token", "workspace", "user", "db"):
        assert command in out


def test_setup_flow_prints_what_the_next_step_needs(cli):
    assert cli("db", "upgrade").returncode == 0
    slug = cli("workspace", "create", "Bakkerij Jansen").stdout.strip()
    assert slug == "bakkerij-jansen"
    assert cli("workspace", "create", "Bakkerij Jansen").stdout.strip() == "bakkerij-jansen-2"
    token = cli("token", "create", "--workspace", slug).stdout.strip()
    assert token.startswith("cd_") and len(token) > 30
    user = cli("user", "create", "Eva@Example.com", "--workspace", slug, "--role", "owner", "--password", "pw")
    assert user.returncode == 0 and "eva@example.com" in user.stdout
    added = cli("channel", "add", "whatsapp", "--workspace", slug, "--phone-number-id", "123456",
                "--display-phone-number", "+31 20 555 0100", "--waba-id", "654321", "--access-token", "t",
                "--app-secret", "s", "--verify-token", "v", "--graph-url", "http://127.0.0.1:9")
    assert added.returncode == 0, added.stderr


@pytest.mark.parametrize("args,needle", [
    (("token", "create", "--workspace", "nope"), "No workspace"),
    (("user", "create", "a@b.co", "--workspace", "nope", "--role", "agent"), "No workspace"),
    (("channel", "add", "telegram", "--workspace", "x", "--phone-number-id", "1", "--display-phone-number", "1",
      "--waba-id", "1", "--access-token", "t", "--app-secret", "s", "--verify-token", "v"), "unknown channel kind"),
    (("sandbox", "--webhook-url", "ftp://x", "--app-secret", "s"), "--webhook-url"),
    (("worker", "--concurrency", "-1"), "--concurrency"),
    (("demo", "--port", "65535"), "--sandbox-port"),
])
def test_bad_arguments_are_one_line_and_exit_2(cli, args, needle):
    assert needle in one_line_error(cli(*args))


def test_invalid_role_email_and_ids(cli):
    slug = cli("workspace", "create", "Shop").stdout.strip()
    assert "Role must be" in one_line_error(cli("user", "create", "a@b.co", "--workspace", slug, "--role", "king"))
    assert "not an email" in one_line_error(cli("user", "create", "nope", "--workspace", slug, "--role", "agent"))
    bad_id = cli("channel", "add", "whatsapp", "--workspace", slug, "--phone-number-id", "abc",
                 "--display-phone-number", "1", "--waba-id", "1", "--access-token", "t", "--app-secret", "s",
                 "--verify-token", "v")
    assert "must be digits" in one_line_error(bad_id)
    empty_secret = cli("channel", "add", "whatsapp", "--workspace", slug, "--phone-number-id", "42",
                       "--display-phone-number", "1", "--waba-id", "1", "--access-token", "t", "--app-secret", " ",
                       "--verify-token", "v")
    assert "--app-secret must not be empty" in one_line_error(empty_secret)
    assert "not a time zone" in one_line_error(cli("workspace", "create", "Zoned", "--timezone", "Mars/Olympus"))
    assert cli("workspace", "create", "Zoned", "--timezone", "Europe/Amsterdam").stdout.strip() == "zoned"


def test_channel_add_has_a_subcommand_per_kind_with_the_kind_s_options(cli):
    from chatdesk.channels.registry import ADAPTERS

    listed = cli("channel", "add", "--help").stdout
    for cls in ADAPTERS:
        assert cls.kind in listed
        out = cli("channel", "add", cls.kind, "--help").stdout
        for name in cls.settings_model.model_fields:
            assert f"--{name.replace('_', '-')}" in out
    out = " ".join(cli("channel", "add", "whatsapp", "--help").stdout.split())
    assert "Signs the webhooks Meta sends." in out and "messages per second" in out


def test_channel_add_names_the_bad_option(cli):
    slug = cli("workspace", "create", "Shop").stdout.strip()
    good = {"--phone-number-id": "42", "--display-phone-number": "1", "--waba-id": "1", "--access-token": "t",
            "--app-secret": "s", "--verify-token": "v"}

    def add(**changed: str) -> subprocess.CompletedProcess:
        options = {**good, **{f"--{k.replace('_', '-')}": v for k, v in changed.items()}}
        return cli("channel", "add", "whatsapp", "--workspace", slug, *[x for kv in options.items() for x in kv])
    assert "--graph-url must start with http" in one_line_error(add(graph_url="ftp://x"))
    assert "--rate-limit must be above zero" in one_line_error(add(rate_limit="0"))
    assert "--display-phone-number must not be empty" in one_line_error(add(display_phone_number=" "))
    assert "--waba-id must be digits" in one_line_error(add(waba_id="x1"))


def test_duplicate_channel_is_refused(cli):
    slug = cli("workspace", "create", "Shop").stdout.strip()
    args = ("channel", "add", "whatsapp", "--workspace", slug, "--phone-number-id", "42", "--display-phone-number",
            "1", "--waba-id", "1", "--access-token", "t", "--app-secret", "s", "--verify-token", "v")
    assert cli(*args).returncode == 0
    assert "already connected" in one_line_error(cli(*args))


@pytest.mark.parametrize("args,needle", [
    (("token", "create"), "Missing option '--workspace'"),
    (("workspace", "create"), "Missing argument"),
    (("workspace", "create", "Two", "Words"), "unexpected extra argument"),
    (("serve", "--port", "http"), "Invalid value for '--port'"),
    (("serve", "--port", "70000"), "Invalid value for '--port'"),
    (("sandbox", "--port", "-1", "--webhook-url", "http://x", "--app-secret", "s"), "Invalid value for '--port'"),

    (("frobnicate",), "No such command"),
])
def test_usage_errors_are_one_line_naming_the_help_to_read(cli, args, needle):
    error = one_line_error(cli(*args))
    assert needle in error
    assert "--help" in error


def test_a_command_group_alone_shows_its_commands(cli):
    result = cli("token")
    assert result.returncode == 2
    assert "create" in result.stdout and "Traceback" not in result.stderr


def test_an_unsupported_database_url_is_one_line(cli):
    error = one_line_error(cli("workspace", "create", "Shop", CHATDESK_DATABASE_URL="mysql://root@localhost/x"))
    assert "CHATDESK_DATABASE_URL" in error and "postgresql://" in error


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_process_without_its_database_says_so_at_start(cli, command, tmp_path):
    closed = "postgresql://nobody@127.0.0.1:1/none"   # nothing listens on port 1
    error = one_line_error(cli(command, CHATDESK_DATABASE_URL=closed))
    assert "cannot connect to the database" in error
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    if command == "worker":  # serve migrates SQLite itself; a worker never migrates
        assert "chatdesk db upgrade" in one_line_error(cli(command, CHATDESK_DATABASE_URL=empty))


def test_plain_database_urls_get_the_async_drivers():
    from chatdesk.core.settings import Settings
    assert Settings(database_url="postgresql://u:p@db/chatdesk").db_url == "postgresql+asyncpg://u:p@db/chatdesk"
    assert Settings(database_url="sqlite:////srv/c.db").db_url == "sqlite+aiosqlite:////srv/c.db"
    assert Settings(database_url="postgresql+asyncpg://h/c").db_url == "postgresql+asyncpg://h/c"


def test_success_exits_0(cli):
    assert cli("db", "upgrade").returncode == 0
    assert cli("--help").returncode == 0


def test_adding_a_web_chat_prints_its_snippet_and_secret_once(cli):
    assert cli("db", "upgrade").returncode == 0
    slug = cli("workspace", "create", "Web Shop").stdout.strip()
    added = cli("channel", "add", "webchat", "--workspace", slug, "--name", "Shop site",
                "--allowed-origin", "https://shop.example", "--allowed-origin", "http://localhost:3000/",
                CHATDESK_PUBLIC_URL="https://chat.example")
    assert added.returncode == 0, added.stderr
    head, snippet, secret = added.stdout.strip().splitlines()
    assert "webchat Shop site" in head
    assert snippet.startswith('<script src="https://chat.example/widget/wc_')
    assert snippet.endswith('.js" async></script>')
    assert secret.startswith("widget secret (for user_hash; shown once): ")
    assert "not an origin" in one_line_error(cli("channel", "add", "webchat", "--workspace", slug, "--name", "X",
                                                 "--allowed-origin", "shop.example"))
