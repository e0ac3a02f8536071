"""inbox indexes: contact search keys, conversations by assignee

- ``contacts.name_key`` (case-folded name) and ``contacts.phone_key`` (the number's digits
  reversed), each indexed with ``workspace_id``: name-prefix and "number ends with" searches
  become index range scans instead of scanning every contact of the workspace. Both columns
  compare bytewise (COLLATE "C" on PostgreSQL) so a prefix is a range under any database
  collation. Existing rows are backfilled here with the same Python functions the model uses.
- ``ix_conversations_assignee`` (workspace_id, assignee_id, last_message_at, id): the inbox's
  "mine" and "unassigned" views, newest first, without walking the whole workspace.

See docs/indexes.md for the queries, plans and measurements behind each.

Revision ID: 0004
Revises: 0003
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEY = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
BATCH = 5000


def _name_key(name: str | None) -> str:  # = chatdesk.contacts.models.name_key, frozen here
    return (name or "").casefold()[:200]


def _phone_key(phone: str | None) -> str | None:  # = chatdesk.contacts.models.phone_key
    digits = "".join(ch for ch in phone or "" if ch in "0123456789")
    return digits[::-1] or None


def _backfill() -> None:
    conn = op.get_bind()
    contacts = sa.table("contacts", sa.column("id"), sa.column("name"), sa.column("phone"),
                        sa.column("name_key"), sa.column("phone_key"))
    update = (contacts.update().where(contacts.c.id == sa.bindparam("b_id"))
              .values(name_key=sa.bindparam("b_name_key"), phone_key=sa.bindparam("b_phone_key")))
    last = 0
    while True:
        rows = conn.execute(sa.select(contacts.c.id, contacts.c.name, contacts.c.phone)
                            .where(contacts.c.id > last).order_by(contacts.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(update, [{"b_id": i, "b_name_key": _name_key(n), "b_phone_key": _phone_key(p)}
                              for i, n, p in rows])
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch_op:
        batch_op.add_column(sa.Column("name_key", KEY, nullable=False, server_default=""))
        batch_op.add_column(sa.Column("phone_key", KEY, nullable=True))
    _backfill()
    op.create_index("ix_contacts_name_key", "contacts", ["workspace_id", "name_key"])
    op.create_index("ix_contacts_phone_key", "contacts", ["workspace_id", "phone_key"])
    op.create_index("ix_conversations_assignee", "conversations",
                    ["workspace_id", "assignee_id", "last_message_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_conversations_assignee", table_name="conversations")
    op.drop_index("ix_contacts_phone_key", table_name="contacts")
    op.drop_index("ix_contacts_name_key", table_name="contacts")
    with op.batch_alter_table("contacts") as batch_op:
        batch_op.drop_column("phone_key")
        batch_op.drop_column("name_key")
