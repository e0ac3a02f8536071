"""inbox: teams, labels, canned responses, invites, conversations.team_id

Revision ID: 0003
Revises: 0002
Written by hand (the agent inbox).
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = chatdesk.core.db.UTCDateTime(timezone=True)


def _ws_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace_id_workspaces",
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _ws_fk("teams"),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_teams_workspace_id_name"),
    )
    op.create_index("ix_teams_workspace_id", "teams", ["workspace_id"])
    op.create_table(
        "team_members",
        sa.Column("id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_team_members_team_id_teams", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_team_members_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_team_members"),
        sa.UniqueConstraint("team_id", "user_id", name="uq_team_members_team_id_user_id"),
    )
    op.create_index("ix_team_members_user_id", "team_members", ["user_id"])
    op.create_table(
        "labels",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("color", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _ws_fk("labels"),
        sa.PrimaryKeyConstraint("id", name="pk_labels"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_labels_workspace_id_name"),
    )
    op.create_index("ix_labels_workspace_id", "labels", ["workspace_id"])
    op.create_table(
        "conversation_labels",
        sa.Column("id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("label_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_conversation_labels_conversation_id_conversations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"], name="fk_conversation_labels_label_id_labels",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_labels"),
        sa.UniqueConstraint("conversation_id", "label_id", name="uq_conversation_labels_conversation_id_label_id"),
    )
    op.create_index("ix_conversation_labels_label_id", "conversation_labels", ["label_id"])
    op.create_table(
        "canned_responses",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("shortcut", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _ws_fk("canned_responses"),
        sa.PrimaryKeyConstraint("id", name="pk_canned_responses"),
        sa.UniqueConstraint("workspace_id", "shortcut", name="uq_canned_responses_workspace_id_shortcut"),
    )
    op.create_index("ix_canned_responses_workspace_id", "canned_responses", ["workspace_id"])
    op.create_table(
        "invites",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_by", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("accepted_at", TS, nullable=True),
        _ws_fk("invites"),
        sa.ForeignKeyConstraint(["invited_by"], ["users.id"], name="fk_invites_invited_by_users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_invites"),
        sa.UniqueConstraint("token_hash", name="uq_invites_token_hash"),
    )
    op.create_index("ix_invites_workspace_id", "invites", ["workspace_id"])
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("team_id", ID, nullable=True))
        batch_op.create_foreign_key("fk_conversations_team_id_teams", "teams", ["team_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_conversations_team", ["workspace_id", "team_id"])


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_index("ix_conversations_team")
        batch_op.drop_constraint("fk_conversations_team_id_teams", type_="foreignkey")
        batch_op.drop_column("team_id")
    for table in ("invites", "canned_responses", "conversation_labels", "labels", "team_members", "teams"):
        op.drop_table(table)
