"""schedules: periodic jobs, one tick each across all workers

One row per periodic job (core/scheduler.py): its interval, the job it queues and when it is
next due. Workers claim a due tick with a conditional UPDATE of ``next_run_at``.

Revision ID: 0008
Revises: 0007
Written by hand.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chatdesk.core.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("next_run_at", chatdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", chatdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_schedules")),
    )


def downgrade() -> None:
    op.drop_table("schedules")
