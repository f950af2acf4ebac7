"""Customer documents, the full-text search index and the list's sort indexes

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import salesdesk.store.types
from salesdesk.store.search import (
    CREATE_FTS,
    CREATE_SEARCH_KEY_TRIGGER,
    FTS_TABLE,
    rebuild_index,
)

# frozen here: a later change to the model's list must come with its own migration
SORTED_COLUMNS = ("name", "main_postal_code", "main_city", "main_country", "status",
                  "next_contact", "credit_limit", "do_not_contact")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("added_at", salesdesk.store.types.UTCDateTime(length=32), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesdesk.store.types.UTCDateTime(length=32), nullable=False),
        sa.Column("updated_at", salesdesk.store.types.UTCDateTime(length=32), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("deleted_at", salesdesk.store.types.UTCDateTime(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_document_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_sha256"), ["sha256"], unique=False)

    for name in ("ix_customer_sort_name", "ix_customer_main_city", "ix_customer_main_postal_code",
                 "ix_customer_status"):
        op.drop_index(name, "customer")
    for column in SORTED_COLUMNS:
        op.create_index(f"ix_customer_sort_{column}", "customer", [column, "number"])
    op.add_column("customer", sa.Column("search_key", sa.Integer(), nullable=True))
    op.create_index("ix_customer_search_key", "customer", ["search_key"], unique=True)
    op.execute("UPDATE customer SET search_key = rowid")
    op.execute(CREATE_SEARCH_KEY_TRIGGER)
    op.execute(CREATE_FTS)
    rebuild_index(op.get_bind())


def downgrade() -> None:
    op.execute(f"DROP TABLE {FTS_TABLE}")
    op.execute("DROP TRIGGER customer_search_key")
    op.drop_index("ix_customer_search_key", "customer")
    for column in SORTED_COLUMNS:
        op.drop_index(f"ix_customer_sort_{column}", "customer")
    op.create_index("ix_customer_sort_name", "customer", ["name"])
    op.create_index("ix_customer_main_city", "customer", ["main_city"])
    op.create_index("ix_customer_main_postal_code", "customer", ["main_postal_code"])
    op.create_index("ix_customer_status", "customer", ["status"])
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("search_key")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_sha256"))
        batch_op.drop_index(batch_op.f("ix_document_customer_id"))

    op.drop_table("document")
