"""channel health: a channel whose credentials the provider refused (issue 12)

Reserved; filled in by the change that needs it (an empty revision is harmless).

Revision ID: 0012
Revises: 0011
Written by hand.
"""

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
# Empty so far. Whoever fills it in: set this to False if it drops, renames or tightens anything.
compatible_with_previous = True


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
