"""``chatdesk db upgrade`` says what it did: created the schema, upgraded it, or found it current."""
from __future__ import annotations

from chatdesk.core.migrate import migration_heads, upgrade
from tests.cli.test_cli import cli  # noqa: F401  (the fixture)


def test_db_upgrade_says_created_upgraded_or_already_current(cli, tmp_path):  # noqa: F811
    head = ",".join(sorted(migration_heads()))
    created = cli("db", "upgrade")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == f"created the schema at revision {head}"
    again = cli("db", "upgrade")
    assert again.stdout.strip() == f"the database is already at revision {head}"

    older = tmp_path / "older.db"
    upgrade(f"sqlite+aiosqlite:///{older}", "0011")
    moved = cli("db", "upgrade", CHATDESK_DATABASE_URL=f"sqlite:///{older}")
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.strip().startswith("upgraded the database from revision 0011")
    assert moved.stdout.strip().endswith(f"to {head}")
