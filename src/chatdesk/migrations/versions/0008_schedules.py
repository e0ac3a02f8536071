"""schedules: periodic jobs, one tick each across all workers

Revision ID: 0008
Revises: 0007
Written by hand.
"""
from alembic import op  # noqa: F401

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
