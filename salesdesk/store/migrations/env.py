"""Alembic environment: always run from code (salesdesk.store.engine), on a given connection."""

from alembic import context

import salesdesk.store.models  # noqa: F401  (registers every table on the metadata)
from salesdesk.store.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can't ALTER most things: batch copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
