"""Exchange links and folder sync states (device-local)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

import salesdesk.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_folder_state",
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("folder", sa.String(length=12), nullable=False),
        sa.Column("sync_state", sa.Text(), nullable=False),
        sa.Column("full_resync_at", salesdesk.store.types.UTCDateTime(length=32),
                  nullable=True),
        sa.Column("updated_at", salesdesk.store.types.UTCDateTime(length=32), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", "folder", name=op.f("pk_exchange_folder_state")),
    )
    op.create_table(
        "exchange_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("mailbox", sa.String(length=254), nullable=False),
        sa.Column("entity_kind", sa.String(length=12), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Text(), nullable=False),
        sa.Column("change_key", sa.Text(), nullable=False),
        sa.Column("synced", sa.Text(), nullable=False),
        sa.Column("removed_in_outlook_at", salesdesk.store.types.UTCDateTime(length=32),
                  nullable=True),
        sa.Column("conflict", sa.Text(), nullable=True),
        sa.Column("updated_at", salesdesk.store.types.UTCDateTime(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_link")),
        sa.UniqueConstraint("mailbox", "entity_kind", "entity_id",
                            name=op.f("uq_exchange_link_mailbox_entity_kind_entity_id")),
        sa.UniqueConstraint("mailbox", "item_id", name=op.f("uq_exchange_link_mailbox_item_id")),
    )
    with op.batch_alter_table("exchange_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_link_entity_id"), ["entity_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exchange_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_link_entity_id"))
    op.drop_table("exchange_link")
    op.drop_table("exchange_folder_state")
