"""accent-insensitive contact name search (issue 16)

``contacts.name_key`` becomes the name case-folded AND with its accents stripped ("Müller" →
"muller", "Ömer" → "omer"), so "muller" finds "Müller" in the inbox search and in the contacts
API's prefix search, on SQLite and PostgreSQL alike. No schema change: existing keys are
recomputed here, in batches, with the function the model uses (frozen below).

The previous release keeps working against the new keys (it reads and writes the same column;
its own searches match names typed with their accents less often until it is replaced).

Revision ID: 0024
Revises: 0023
Written by hand.
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None
# Data only: the same column with better-folded values; the previous release still reads it.
compatible_with_previous = True

BATCH = 5000


def _casefold_key(name: str | None) -> str:  # the key before this revision (0004)
    return (name or "").casefold()[:200]


def _folded_key(name: str | None) -> str:  # = chatdesk.contacts.models.name_key, frozen here
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))[:200]


def _rekey(key) -> None:
    conn = op.get_bind()
    contacts = sa.table("contacts", sa.column("id"), sa.column("name"), sa.column("name_key"))
    update = (contacts.update().where(contacts.c.id == sa.bindparam("b_id"))
              .values(name_key=sa.bindparam("b_name_key")))
    last = 0
    while True:
        rows = conn.execute(sa.select(contacts.c.id, contacts.c.name, contacts.c.name_key)
                            .where(contacts.c.id > last).order_by(contacts.c.id).limit(BATCH)).all()
        if not rows:
            return
        changed = [{"b_id": i, "b_name_key": key(n)} for i, n, k in rows if key(n) != k]
        if changed:
            conn.execute(update, changed)
        last = rows[-1][0]


def upgrade() -> None:
    _rekey(_folded_key)


def downgrade() -> None:
    _rekey(_casefold_key)
