"""hardening (issue 12)

Reserved; filled in by the change that needs it (an empty revision is harmless).

Revision ID: 0010
Revises: 0009
Written by hand.
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
