"""contact attributes, contact labels, imports (issue 11)

A workspace's custom contact attribute definitions (key, label, type, choices); labels on
contacts (the workspace's labels, shared with conversations); contact CSV imports run by a
job (progress and the report of rejected rows); a workspace's default region for phone
numbers written without a country code; an index on contacts by email (imports match on it).
Add-only: new tables, a nullable column and an index.

Revision ID: 0021
Revises: 0020
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None
# Expand only: new tables, a nullable column, an index (the previous release ignores them).
compatible_with_previous = True

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = chatdesk.core.db.UTCDateTime(timezone=True)


def _ws_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace_id_workspaces",
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("default_region", sa.String(length=2), nullable=True))
    op.create_index("ix_contacts_workspace_email", "contacts", ["workspace_id", "email"])
    op.create_table(
        "contact_attribute_defs",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("choices", chatdesk.core.db.Json, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _ws_fk("contact_attribute_defs"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_attribute_defs"),
        sa.UniqueConstraint("workspace_id", "key", name="uq_contact_attribute_defs_workspace_id_key"),
    )
    op.create_table(
        "contact_labels",
        sa.Column("id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("label_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name="fk_contact_labels_contact_id_contacts",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], name="fk_contact_labels_label_id_labels",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_labels"),
        sa.UniqueConstraint("contact_id", "label_id", name="uq_contact_labels_contact_id_label_id"),
    )
    op.create_index("ix_contact_labels_label_id", "contact_labels", ["label_id"])
    op.create_table(
        "contact_imports",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        _ws_fk("contact_imports"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_imports"),
    )


def downgrade() -> None:
    op.drop_table("contact_imports")
    op.drop_index("ix_contact_labels_label_id", table_name="contact_labels")
    op.drop_table("contact_labels")
    op.drop_table("contact_attribute_defs")
    op.drop_index("ix_contacts_workspace_email", table_name="contacts")
    op.drop_column("workspaces", "default_region")
