"""Covering indexes for the radius search's candidate rows

The R*Tree (0003) gives the geo_keys of the addresses in a box; these two indexes answer
the address and customer columns of those candidates without reading the tables
(around Berlin, 50 km, in the 100k demo store: ~30 ms instead of ~55 ms; see
benchmarks/radius.py).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

# frozen here: a later change to the model's indexes must come with its own migration
ADDRESS_RADIUS_COLUMNS = [
    "geo_key",
    "latitude",
    "longitude",
    "customer_id",
    "id",
    "kind",
    "postal_code",
    "city",
    "country",
]
CUSTOMER_RADIUS_COLUMNS = ["id", "deleted_at", "number", "name"]

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.create_index("ix_address_radius", ADDRESS_RADIUS_COLUMNS, unique=False)
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index("ix_customer_radius", CUSTOMER_RADIUS_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_radius")
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.drop_index("ix_address_radius")
