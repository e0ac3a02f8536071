"""domain events: typed, durable, read by cursor

One row per domain event (``core/events.py``), written in the transaction that caused it and
read per workspace by cursor (``id > last``), hence the (workspace_id, id) index. SQLite's
AUTOINCREMENT keeps ids from being reused once old events are pruned (a reader's cursor must
never see an id twice); PostgreSQL's sequence never reuses one.

Revision ID: 0007
Revises: 0006
Written by hand.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chatdesk.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "domain_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("occurred_at", chatdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_domain_events_workspace_id_id", "domain_events", ["workspace_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_domain_events_workspace_id_id", table_name="domain_events")
    op.drop_table("domain_events")
