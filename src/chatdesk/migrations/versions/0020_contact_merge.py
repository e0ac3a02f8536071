"""one customer across channels: identities that vouch for a phone or email, merged contacts,
merge suggestions and the contact timeline (issue 11)

- ``contact_identities`` gets ``phone`` (E.164) and ``email`` (case-folded): what the identity
  carries, and ``verified``: whether the channel vouches for them (a WhatsApp number; a web chat
  visitor whose site signed their user id). ``origin_contact_id`` is the contact an identity came
  from when it was merged into another, so an unmerge can restore it.
- ``contacts`` gets ``merged_into_id`` / ``merged_at``: a merged contact is kept for undo.
- ``merge_suggestions``: likely matches offered to agents, never merged on their own.
- ``contact_events``: the append-only timeline of what happened to a contact.

Existing phone ids (``id_type`` "phone": WhatsApp numbers) are backfilled as verified phones.

Revision ID: 0020
Revises: 0019
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

import chatdesk.core.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None
# Expand only: nullable or defaulted columns and new tables; the previous release ignores them.
compatible_with_previous = True

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
When = chatdesk.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("contact_identities") as batch:
        batch.add_column(sa.Column("phone", sa.String(32), nullable=True))
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
        batch.add_column(sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("origin_contact_id", Id, nullable=True))
        batch.create_foreign_key("fk_contact_identities_origin_contact_id_contacts", "contacts",
                                 ["origin_contact_id"], ["id"], ondelete="SET NULL")
    op.create_index("ix_contact_identities_phone", "contact_identities", ["workspace_id", "phone"])
    op.create_index("ix_contact_identities_email", "contact_identities", ["workspace_id", "email"])
    op.execute("UPDATE contact_identities SET phone = '+' || external_id, verified = true WHERE id_type = 'phone'")
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("merged_into_id", Id, nullable=True))
        batch.add_column(sa.Column("merged_at", When, nullable=True))
        batch.create_foreign_key("fk_contacts_merged_into_id_contacts", "contacts", ["merged_into_id"], ["id"],
                                 ondelete="SET NULL")
    _create_suggestions()
    _create_events()


def _fk(table: str, name: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([f"{name}_id"], [f"{target}.id"], name=f"fk_{table}_{name}_id_{target}",
                                   ondelete="CASCADE")


def _create_suggestions() -> None:
    op.create_table(
        "merge_suggestions",
        sa.Column("id", Id, nullable=False),
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("contact_id", Id, nullable=False),
        sa.Column("other_id", Id, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("decided_at", When, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        _fk("merge_suggestions", "workspace", "workspaces"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name="fk_merge_suggestions_contact_id_contacts",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["contacts.id"], name="fk_merge_suggestions_other_id_contacts",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_merge_suggestions"),
        sa.UniqueConstraint("contact_id", "other_id", name="uq_merge_suggestions_contact_id_other_id"),
    )
    op.create_index("ix_merge_suggestions_other_id", "merge_suggestions", ["other_id"])


def _create_events() -> None:
    op.create_table(
        "contact_events",
        sa.Column("id", Id, nullable=False),
        sa.Column("workspace_id", Id, nullable=False),
        sa.Column("contact_id", Id, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("at", When, nullable=False),
        _fk("contact_events", "workspace", "workspaces"),
        _fk("contact_events", "contact", "contacts"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_events"),
    )
    op.create_index("ix_contact_events_timeline", "contact_events", ["contact_id", "at", "id"])


def downgrade() -> None:
    op.drop_index("ix_contact_events_timeline", table_name="contact_events")
    op.drop_table("contact_events")
    op.drop_index("ix_merge_suggestions_other_id", table_name="merge_suggestions")
    op.drop_table("merge_suggestions")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_constraint("fk_contacts_merged_into_id_contacts", type_="foreignkey")
        batch.drop_column("merged_at")
        batch.drop_column("merged_into_id")
    op.drop_index("ix_contact_identities_email", table_name="contact_identities")
    op.drop_index("ix_contact_identities_phone", table_name="contact_identities")
    with op.batch_alter_table("contact_identities") as batch:
        batch.drop_constraint("fk_contact_identities_origin_contact_id_contacts", type_="foreignkey")
        batch.drop_column("origin_contact_id")
        batch.drop_column("verified")
        batch.drop_column("email")
        batch.drop_column("phone")
