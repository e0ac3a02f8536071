"""identities per channel: a contact identity is unique on (channel, external id)

Revision ID: 0006
Revises: 0005
Written by hand.
"""
from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
