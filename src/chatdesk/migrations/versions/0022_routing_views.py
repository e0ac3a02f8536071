"""queues at scale (issue 16): waiting longest, routing, saved views

``conversations.awaiting_since``: since when the customer has waited for our reply (their
first message after ours), for the inbox's "waiting longest" sort and its "waiting since" line,
with an index that pages that sort by keyset. Existing conversations whose last message (notes
aside) is the customer's are filled in from their last inbound time.
Routing: an agent's availability and presence per workspace (memberships), a team's automatic
assignment (round robin, a cap of open conversations per agent, the last agent given one) and
the workspace's "assign to the first replier". Saved views: named inbox filters of an agent or
shared with the workspace.
Add-only: nullable columns, columns with defaults, a table and indexes.

Revision ID: 0022
Revises: 0021
Written by hand.
"""
import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
from alembic import op

import chatdesk.core.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None
# Expand only: the previous release neither reads nor writes the new column.
compatible_with_previous = True

TS = chatdesk.core.db.UTCDateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")

# the direction of a conversation's last message that is not a note ('in': the customer's)
LAST_DIRECTION = ("(SELECT m.direction FROM messages m WHERE m.conversation_id = conversations.id "
                  "AND m.type != 'note' ORDER BY m.id DESC LIMIT 1)")


def upgrade() -> None:
    op.add_column("conversations", sa.Column("awaiting_since", TS, nullable=True))
    op.execute(f"UPDATE conversations SET awaiting_since = last_inbound_at "
               f"WHERE last_inbound_at IS NOT NULL AND {LAST_DIRECTION} = 'in'")
    op.create_index("ix_conversations_waiting", "conversations", ["workspace_id", "awaiting_since", "id"])
    # plain ADD COLUMN with a default: no table copy, existing rows take the default
    op.add_column("memberships", sa.Column("availability", sa.String(length=8), nullable=False,
                                           server_default="online"))
    op.add_column("memberships", sa.Column("seen_at", TS, nullable=True))
    op.add_column("memberships", sa.Column("active_at", TS, nullable=True))
    op.add_column("teams", sa.Column("auto_assign", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("teams", sa.Column("assign_cap", sa.Integer(), nullable=True))
    op.add_column("teams", sa.Column("last_assigned_id", ID, nullable=True))
    op.add_column("workspaces", sa.Column("assign_first_replier", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.create_table(
        "saved_views",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("filters", JSON, nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_saved_views_workspace_id_workspaces",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_saved_views_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_saved_views"),
    )
    op.create_index("ix_saved_views_workspace", "saved_views", ["workspace_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_views_workspace", table_name="saved_views")
    op.drop_table("saved_views")
    op.drop_column("workspaces", "assign_first_replier")
    for column in ("last_assigned_id", "assign_cap", "auto_assign"):
        op.drop_column("teams", column)
    for column in ("active_at", "seen_at", "availability"):
        op.drop_column("memberships", column)
    op.drop_index("ix_conversations_waiting", table_name="conversations")
    op.drop_column("conversations", "awaiting_since")
