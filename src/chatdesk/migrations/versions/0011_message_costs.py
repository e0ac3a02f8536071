"""message costs and re-engagement (issue 13)

What a message costs as the provider reports it (per-message pricing): besides the category,
the pricing type (regular / free_customer_service / free_entry_point), whether it is billable
and the pricing model. And when the provider reported a conversation's service window closed
(a re-engagement failure), which wins over our clock until the customer writes again.
Nullable columns only: existing rows keep their data and read as "not reported".

Revision ID: 0011
Revises: 0010
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None
# Expand only: nullable columns (no table rewrite, the previous release ignores them).
compatible_with_previous = True


def upgrade() -> None:
    # plain ADD/DROP COLUMN (SQLite has both): a batch copy of ``messages`` would drop its
    # text-search triggers (migration 0005)
    op.add_column("messages", sa.Column("cost_type", sa.String(length=32), nullable=True))
    op.add_column("messages", sa.Column("cost_billable", sa.Boolean(), nullable=True))
    op.add_column("messages", sa.Column("cost_model", sa.String(length=16), nullable=True))
    op.add_column("conversations", sa.Column("window_closed_at", chatdesk.core.db.UTCDateTime(timezone=True),
                                             nullable=True))


def downgrade() -> None:
    op.drop_column("conversations", "window_closed_at")
    for column in ("cost_model", "cost_billable", "cost_type"):
        op.drop_column("messages", column)
