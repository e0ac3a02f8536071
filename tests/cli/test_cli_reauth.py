"""``chatdesk channel reauth``: a channel's new access token from the command line, and the
sandbox's fault-mode options checked like every other option."""
from __future__ import annotations

from tests.cli.test_cli import cli, one_line_error  # noqa: F401  (cli is a fixture)


def test_reauth_replaces_the_token_and_refuses_bad_input_in_one_line(cli):  # noqa: F811
    assert cli("db", "upgrade").returncode == 0
    slug = cli("workspace", "create", "Reauth Shop").stdout.strip()
    added = cli("channel", "add", "whatsapp", "--workspace", slug, "--phone-number-id", "123456",
                "--display-phone-number", "+31 20 555 0100", "--waba-id", "654321", "--access-token", "t",
                "--app-secret", "s", "--verify-token", "v")
    assert added.returncode == 0, added.stderr
    channel_id = added.stdout.split()[1]
    done = cli("channel", "reauth", channel_id, "--workspace", slug, "--access-token", "new-token")
    assert done.returncode == 0, done.stderr
    assert "credentials replaced; 0 waiting message(s) queued again" in done.stdout
    for args, needle in (((channel_id, "--workspace", slug, "--access-token", " "), "--access-token"),
                         (("999", "--workspace", slug, "--access-token", "x"), "not found"),
                         ((channel_id, "--workspace", "nope", "--access-token", "x"), "No workspace")):
        result = cli("channel", "reauth", *args)
        assert result.returncode == 2, (args, result.stdout)
        assert needle.lower() in one_line_error(result).lower(), (args, result.stderr)


def test_sandbox_fault_options_are_checked(cli):  # noqa: F811
    result = cli("sandbox", "--webhook-url", "http://127.0.0.1:9/x", "--app-secret", "s", "--error-rate", "2")
    assert result.returncode == 2
    assert "--error-rate" in one_line_error(result)
