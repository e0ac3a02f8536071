"""queues at scale (issue 16): waiting longest

``conversations.awaiting_since``: since when the customer has waited for our reply (their
first message after ours), for the inbox's "waiting longest" sort and its "waiting since" line,
with an index that pages that sort by keyset. Existing conversations whose last message (notes
aside) is the customer's are filled in from their last inbound time.
Add-only: a nullable column and an index.

Revision ID: 0022
Revises: 0016
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0022"
down_revision = "0016"
branch_labels = None
depends_on = None
# Expand only: the previous release neither reads nor writes the new column.
compatible_with_previous = True

TS = chatdesk.core.db.UTCDateTime(timezone=True)

# the direction of a conversation's last message that is not a note ('in': the customer's)
LAST_DIRECTION = ("(SELECT m.direction FROM messages m WHERE m.conversation_id = conversations.id "
                  "AND m.type != 'note' ORDER BY m.id DESC LIMIT 1)")


def upgrade() -> None:
    op.add_column("conversations", sa.Column("awaiting_since", TS, nullable=True))
    op.execute(f"UPDATE conversations SET awaiting_since = last_inbound_at "
               f"WHERE last_inbound_at IS NOT NULL AND {LAST_DIRECTION} = 'in'")
    op.create_index("ix_conversations_waiting", "conversations", ["workspace_id", "awaiting_since", "id"])


def downgrade() -> None:
    op.drop_index("ix_conversations_waiting", table_name="conversations")
    op.drop_column("conversations", "awaiting_since")
