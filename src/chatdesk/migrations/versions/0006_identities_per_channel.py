"""identities per channel: a contact identity is unique on (channel, external id)

Messenger and Instagram ids are scoped per page / account: the same id on two channels may be
two people, and a reply must go out with the id the customer has on the conversation's channel.
So ``contact_identities`` gets ``channel_id`` and is unique on (channel_id, external_id) instead
of (workspace_id, kind, external_id); ``kind`` stays (WhatsApp ids are global: a customer who
writes to a second number of the workspace is found by kind and id and stays one contact).

Existing identities are kept: each gets the channel(s) of that kind its contact has
conversations on (one row per channel); an identity without any gets the workspace's first
channel of its kind; one whose workspace has no channel of its kind at all is deleted (no
message can reach or come from it).

Revision ID: 0006
Revises: 0005
Written by hand.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OLD_UNIQUE = "uq_contact_identities_workspace_id_kind_external_id"
NEW_UNIQUE = "uq_contact_identities_channel_id_external_id"
FK = "fk_contact_identities_channel_id_channels"
LOOKUP = "ix_contact_identities_kind_external"

# The channels of an identity's kind its contact has conversations on.
CONVERSED = """SELECT DISTINCT conv.contact_id, conv.channel_id, ch.kind
               FROM conversations conv JOIN channels ch ON ch.id = conv.channel_id"""


def upgrade() -> None:
    with op.batch_alter_table("contact_identities") as batch:
        batch.add_column(sa.Column("channel_id", Id, nullable=True))
        batch.drop_constraint(OLD_UNIQUE, type_="unique")  # an identity may now be copied per channel
    bind = op.get_bind()
    last = bind.execute(sa.text("SELECT MAX(id) FROM contact_identities")).scalar()
    if last is not None:
        _assign_channels(bind, last)
    with op.batch_alter_table("contact_identities") as batch:
        batch.alter_column("channel_id", existing_type=Id, nullable=False)
        batch.create_foreign_key(FK, "channels", ["channel_id"], ["id"], ondelete="CASCADE")
        batch.create_unique_constraint(NEW_UNIQUE, ["channel_id", "external_id"])
        batch.create_index(LOOKUP, ["workspace_id", "kind", "external_id"])


def _assign_channels(bind: sa.Connection, last: int) -> None:
    # 1. the first channel the contact talked on (of the identity's kind) ...
    bind.execute(sa.text(f"""
        UPDATE contact_identities SET channel_id = (
            SELECT MIN(x.channel_id) FROM ({CONVERSED}) x
            WHERE x.contact_id = contact_identities.contact_id AND x.kind = contact_identities.kind)"""))
    # 2. ... and a copy of the identity for each other one (rows up to ``last`` are the originals)
    bind.execute(sa.text(f"""
        INSERT INTO contact_identities (workspace_id, contact_id, channel_id, kind, external_id, profile_name,
                                        created_at)
        SELECT i.workspace_id, i.contact_id, x.channel_id, i.kind, i.external_id, i.profile_name, i.created_at
        FROM contact_identities i JOIN ({CONVERSED}) x ON x.contact_id = i.contact_id AND x.kind = i.kind
        WHERE i.id <= :last AND x.channel_id > i.channel_id
        ORDER BY i.id, x.channel_id"""), {"last": last})
    # 3. no conversation yet: the workspace's first channel of the kind
    bind.execute(sa.text("""
        UPDATE contact_identities SET channel_id = (
            SELECT MIN(ch.id) FROM channels ch
            WHERE ch.workspace_id = contact_identities.workspace_id AND ch.kind = contact_identities.kind)
        WHERE channel_id IS NULL"""))
    # 4. no channel of the kind at all: nothing can reach or come from it
    bind.execute(sa.text("DELETE FROM contact_identities WHERE channel_id IS NULL"))


def downgrade() -> None:
    # One identity per (workspace, kind, external id) again: the oldest row of each is kept.
    op.execute("""
        DELETE FROM contact_identities WHERE id NOT IN (
            SELECT keep FROM (SELECT MIN(id) AS keep FROM contact_identities
                              GROUP BY workspace_id, kind, external_id) kept)""")
    with op.batch_alter_table("contact_identities") as batch:
        batch.drop_index(LOOKUP)
        batch.drop_constraint(NEW_UNIQUE, type_="unique")
        batch.drop_constraint(FK, type_="foreignkey")
        batch.create_unique_constraint(OLD_UNIQUE, ["workspace_id", "kind", "external_id"])
        batch.drop_column("channel_id")
