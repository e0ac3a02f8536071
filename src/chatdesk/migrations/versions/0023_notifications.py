"""notifications and the agent's own page (issue 16)

Agents' notifications (new conversation, assigned to me, @mention), the cursor of the consumer
that makes them from the domain events, and the agent's profile and notification preferences
(nullable columns on ``users``: None is the default). Add-only: existing rows are untouched.

Revision ID: 0023
Revises: 0022
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None
# Expand only: new tables and nullable columns the previous release never reads.
compatible_with_previous = True

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
USER_COLUMNS = (("avatar_color", sa.String(length=16)), ("language", sa.String(length=8)),
                ("notify_sound", sa.Boolean()), ("notify_desktop", sa.Boolean()),
                ("notify_kinds", sa.String(length=100)))


def upgrade() -> None:
    for name, type_ in USER_COLUMNS:
        op.add_column("users", sa.Column(name, type_, nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", Id, nullable=False),
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", Id, nullable=False),
        sa.Column("actor_id", Id, nullable=True),
        sa.Column("message_id", Id, nullable=True),
        sa.Column("event_id", Id, nullable=False),
        sa.Column("at", chatdesk.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", chatdesk.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_notifications_workspace_id_workspaces",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_notifications_user_id_users", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_notifications_conversation_id_conversations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_notifications_actor_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("user_id", "event_id", name="uq_notifications_user_id_event_id"),
    )
    op.create_index("ix_notifications_conversation_id", "notifications", ["conversation_id"])
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])
    op.create_table(
        "notification_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_event_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_notification_cursor"),
    )


def downgrade() -> None:
    op.drop_table("notification_cursor")
    op.drop_index("ix_notifications_user_id_id", table_name="notifications")
    op.drop_index("ix_notifications_conversation_id", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("users") as batch:
        for name, _ in USER_COLUMNS:
            batch.drop_column(name)
