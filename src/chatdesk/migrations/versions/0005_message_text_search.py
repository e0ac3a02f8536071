"""message text search: a trigram index over messages.text

The inbox's search matches any part of a message (``LIKE '%q%'``, case-insensitive). No B-tree
serves a leading wildcard, so each search read every message of the database (about a second
at a million messages). A trigram index answers the same question from the index:

- SQLite: an FTS5 table with the trigram tokenizer over ``messages.text`` (external content:
  it stores only the index, the text stays in ``messages``), kept in step by triggers. FTS5's
  trigram tables answer ``LIKE`` with the same meaning as the scan did, for patterns of three or
  more characters (shorter ones still scan, correctly).
- PostgreSQL: ``pg_trgm`` and a GIN index on ``lower(text)``, which serves ``lower(text) LIKE``.
  ``pg_trgm`` is a trusted extension (PostgreSQL 13+): a database owner may create it. Where the
  role may not, the index is skipped with a warning and search keeps working, unindexed.

Every inbound message now also writes its trigrams: measured with bench/ingest.py before and
after (see docs/indexes.md).

Revision ID: 0005
Revises: 0004
Written by hand.
"""
import logging

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

SQLITE_UP = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.text IS NOT NULL BEGIN "
    "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.text IS NOT NULL BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, text) SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL; "
    "INSERT INTO messages_fts(rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL; END",
    "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE text IS NOT NULL",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS messages_fts_update", "DROP TRIGGER IF EXISTS messages_fts_delete",
               "DROP TRIGGER IF EXISTS messages_fts_insert", "DROP TABLE IF EXISTS messages_fts"]
PG_INDEX = "ix_messages_text_trgm"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
        return
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # a role that may not create extensions: search stays unindexed
        log.warning("pg_trgm is not available (%s); message text search will scan", str(exc).splitlines()[0])
        return
    op.execute(f"CREATE INDEX {PG_INDEX} ON messages USING gin (lower(text) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
        return
    op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
