"""accent-insensitive message search: ``messages.text_key`` and its trigram index (issue 16)

``text_key`` is the message's text case-folded and without accents (``core.folding.fold``,
frozen below): "muller" finds "Müller", "siparis" finds "siparişim", on both databases. Search
terms are folded the same way and matched against it, from a trigram index that replaces the
one of migration 0005 (which indexed the text as typed):

- SQLite: ``messages_fts`` is rebuilt over ``text_key`` (FTS5, trigram tokenizer, external
  content), with its triggers; ``contacts_fts`` over ``contacts.name_key`` serves "the name
  contains" (a scan of every contact of the workspace before: 12-18 ms at 100,000).
- PostgreSQL: a GIN trigram index on ``text_key`` (built concurrently) replaces
  ``ix_messages_text_trgm`` on ``lower(text)``, and one on ``contacts.name_key`` serves "the
  name contains" (a scan of every contact before); skipped, with a warning, without ``pg_trgm``.

Stored messages get their key here, in batches (about a minute per million messages).

Not compatible with the previous release: on SQLite its search reads the replaced index as it
was, and a process of it would write messages without a key (unsearchable). Its processes
leave rotation when this runs (docs/deploy.md, "Expand and contract").

Revision ID: 0025
Revises: 0024
Written by hand.
"""
import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None
compatible_with_previous = False  # see above

log = logging.getLogger("alembic.runtime.migration")
BATCH = 5000
OLD_PG_INDEX = "ix_messages_text_trgm"
PG_INDEX = "ix_messages_text_key_trgm"
PG_NAME_INDEX = "ix_contacts_name_key_trgm"  # a name "contains" the term: no full scan of contacts


def _fold(text: str) -> str:  # = chatdesk.core.folding.fold, frozen here
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fts(column: str, source: str = "messages") -> list[str]:
    """SQLite: the trigram index ``<source>_fts`` over ``<source>.<column>`` and the triggers
    that keep it."""
    return [x.replace("messages", source) for x in _messages_fts(column)]


def _messages_fts(column: str) -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE messages_fts USING fts5({column}, content='messages', content_rowid='id', "
        "tokenize='trigram')",
        f"CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.{column} IS NOT NULL BEGIN "
        f"INSERT INTO messages_fts(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.{column} IS NOT NULL BEGIN "
        f"INSERT INTO messages_fts(messages_fts, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
        f"CREATE TRIGGER messages_fts_update AFTER UPDATE OF {column} ON messages BEGIN "
        f"INSERT INTO messages_fts(messages_fts, rowid, {column}) SELECT 'delete', old.id, old.{column} "
        f"WHERE old.{column} IS NOT NULL; "
        f"INSERT INTO messages_fts(rowid, {column}) SELECT new.id, new.{column} WHERE new.{column} IS NOT NULL; END",
        f"INSERT INTO messages_fts(rowid, {column}) SELECT id, {column} FROM messages WHERE {column} IS NOT NULL",
    ]


def _drop_fts(source: str = "messages") -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {source}_fts_update", f"DROP TRIGGER IF EXISTS {source}_fts_delete",
            f"DROP TRIGGER IF EXISTS {source}_fts_insert", f"DROP TABLE IF EXISTS {source}_fts"]


def _backfill() -> None:
    conn = op.get_bind()
    messages = sa.table("messages", sa.column("id"), sa.column("text"), sa.column("text_key"))
    update = messages.update().where(messages.c.id == sa.bindparam("b_id")).values(text_key=sa.bindparam("b_key"))
    last = 0
    while True:
        rows = conn.execute(sa.select(messages.c.id, messages.c.text).where(
            messages.c.id > last, messages.c.text.is_not(None)).order_by(messages.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(update, [{"b_id": i, "b_key": _fold(t)} for i, t in rows if t])
        last = rows[-1][0]


def _trigram_extension() -> bool:
    try:
        with op.get_bind().begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return True
    except Exception as exc:  # a role that may not create extensions: search stays unindexed
        log.warning("pg_trgm is not available (%s); message text search will scan", str(exc).splitlines()[0])
        return False


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in _drop_fts():
            op.execute(statement)
    op.add_column("messages", sa.Column("text_key", sa.Text(), nullable=True))
    _backfill()
    if sqlite:
        for statement in [*_fts("text_key"), *_fts("name_key", "contacts")]:
            op.execute(statement)
        return
    if not _trigram_extension():
        return
    with op.get_context().autocommit_block():
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {PG_INDEX} ON messages USING gin (text_key gin_trgm_ops)")
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {PG_NAME_INDEX} ON contacts "
                   "USING gin (name_key gin_trgm_ops)")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD_PG_INDEX}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in [*_drop_fts(), *_drop_fts("contacts")]:
            op.execute(statement)
        for statement in _fts("text"):
            op.execute(statement)
    else:
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
        op.execute(f"DROP INDEX IF EXISTS {PG_NAME_INDEX}")
        if _trigram_extension():
            op.execute(f"CREATE INDEX IF NOT EXISTS {OLD_PG_INDEX} ON messages USING gin (lower(text) gin_trgm_ops)")
    op.drop_column("messages", "text_key")
