"""WhatsApp business-scoped user ids, usernames (issue 13)

Since April 2026 WhatsApp identifies every user by a business-scoped user id (BSUID,
``NL.1234…``, parent ids ``NL.ENT.…``) and shows a phone number only while the user shares it.
A channel may so know one person by two ids: ``contact_identities`` gets ``id_type`` (what kind
of id a row holds: "phone", "user_id"; "id" for channels with one kind of id), ``username`` (a
handle shown to agents, never an id; ``username_key``, its case-folded form without "@", for
prefix search) and ``parent_user_id``; ``external_id`` grows to fit a parent id ("CC.ENT." +
128 characters).

Existing rows are kept: every WhatsApp identity so far is a phone number; the others keep the
default. Nothing is backfilled: a BSUID attaches to its contact when it first arrives.

Revision ID: 0009
Revises: 0008
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
# Expand only: new columns (nullable or with a default), a wider column, an index. The previous
# release keeps working; the WhatsApp ids it stores meanwhile keep id_type "id", which sends
# address as a phone number, the same as "phone".
compatible_with_previous = True

ID_LENGTH = 160
KEY = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
SEARCH = "ix_contact_identities_username_key"


def upgrade() -> None:
    if not _columns_added():  # a run whose concurrent index build failed has added them already
        _add_columns()
    op.execute("UPDATE contact_identities SET id_type = 'phone' WHERE kind = 'whatsapp'")
    _create_index_without_blocking_writes(SEARCH, "contact_identities", ["workspace_id", "username_key"])


def _columns_added() -> bool:
    if op.get_context().as_sql:  # offline SQL: nothing to look at
        return False
    return "id_type" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("contact_identities")}


def _add_columns() -> None:
    with op.batch_alter_table("contact_identities") as batch:
        batch.add_column(sa.Column("id_type", sa.String(16), nullable=False, server_default="id"))
        batch.add_column(sa.Column("username", sa.String(200), nullable=True))
        batch.add_column(sa.Column("parent_user_id", sa.String(ID_LENGTH), nullable=True))
        batch.add_column(sa.Column("username_key", KEY, nullable=True))
        batch.alter_column("external_id", existing_type=sa.String(128), type_=sa.String(ID_LENGTH),
                           existing_nullable=False)


def _create_index_without_blocking_writes(name: str, table: str, columns: list[str]) -> None:
    """PostgreSQL: ``CREATE INDEX CONCURRENTLY`` (a large table stays writable while the index
    builds; it cannot run in a transaction, so the steps before it are committed first).
    SQLite: a plain index (one writer at a time anyway)."""
    if op.get_context().dialect.name != "postgresql":
        op.create_index(name, table, columns)
        return
    with op.get_context().autocommit_block():
        op.create_index(name, table, columns, postgresql_concurrently=True, if_not_exists=True)


def downgrade() -> None:
    # Rows of ids an older chatdesk cannot address (user ids) go; phone ids stay.
    op.execute("DELETE FROM contact_identities WHERE id_type = 'user_id'")
    op.drop_index(SEARCH, table_name="contact_identities")
    with op.batch_alter_table("contact_identities") as batch:
        batch.alter_column("external_id", existing_type=sa.String(ID_LENGTH), type_=sa.String(128),
                           existing_nullable=False)
        batch.drop_column("username_key")
        batch.drop_column("parent_user_id")
        batch.drop_column("username")
        batch.drop_column("id_type")
