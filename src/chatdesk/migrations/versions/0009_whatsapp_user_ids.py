"""WhatsApp business-scoped user ids, usernames (issue 13)

Reserved; filled in by the change that needs it (an empty revision is harmless).

Revision ID: 0009
Revises: 0008
Written by hand.
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
