"""message costs and re-engagement (issue 13)

Reserved; filled in by the change that needs it (an empty revision is harmless).

Revision ID: 0011
Revises: 0010
Written by hand.
"""

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
