"""sending pause: the operator's switch that holds outbound sending (issue 14)

One row (id 1): whether sending is paused, who switched it, when and why
(``core/sending_pause.py``). Every web and worker process reads it, so ``chatdesk sending
pause`` and ``resume`` reach them all without a restart.

Revision ID: 0013
Revises: 0012
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None
# Expand only: a new table the previous release ignores.
compatible_with_previous = True


def upgrade() -> None:
    op.create_table(
        "sending_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", chatdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending_pause")),
    )


def downgrade() -> None:
    op.drop_table("sending_pause")
