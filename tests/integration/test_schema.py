"""The migrations make the tables, columns and indexes the SQLAlchemy models describe."""

from __future__ import annotations

from services.bootstrap import start
from services.settings import Settings
from tests.conftest import fixed_today
from tests.integration.test_rebuild_indexes import schema_diff


async def test_the_migrated_read_model_tables_are_the_models(settings: Settings) -> None:
    runtime = await start(settings, run_projections=False, today=fixed_today)
    try:
        diff = await schema_diff(runtime)
    finally:
        await runtime.close()

    assert diff == []
