"""consent ledger (issue 10)

An append-only ledger of contacts' opt-ins and opt-outs per channel and purpose (marketing,
utility), with their source, proof and time. A new table only: existing rows are untouched.

Revision ID: 0015
Revises: 0014
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None
# Expand only: a new table the previous release never reads.
compatible_with_previous = True

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", Id, nullable=False),
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("contact_id", Id, nullable=False),
        sa.Column("channel_id", Id, nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("at", chatdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        *(sa.ForeignKeyConstraint([f"{name}_id"], [f"{table}.id"], name=f"fk_consents_{name}_id_{table}",
                                  ondelete="CASCADE")
          for name, table in (("workspace", "workspaces"), ("contact", "contacts"), ("channel", "channels"))),
        sa.PrimaryKeyConstraint("id", name="pk_consents"),
    )
    op.create_index("ix_consents_contact_channel_purpose", "consents", ["contact_id", "channel_id", "purpose", "id"])


def downgrade() -> None:
    op.drop_index("ix_consents_contact_channel_purpose", table_name="consents")
    op.drop_table("consents")
