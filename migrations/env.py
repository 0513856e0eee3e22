"""Alembic environment: runs migrations on a synchronous connection to Concord's database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from projections.tables import metadata
from services.infrastructure.storage import storage_for
from services.settings import Settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or storage_for(Settings()).migration_url

with create_engine(url, poolclass=pool.NullPool).connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
