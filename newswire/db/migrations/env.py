"""Alembic environment: the connection is handed in by newswire.db.engine.migrate.

target_metadata is the models' schema (newswire.db.tables): what autogenerate compares the
database with, and what tests/integration/test_migration_schema.py checks the migrations produce.
"""

from alembic import context

from newswire.db.tables import METADATA

target_metadata = METADATA

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
