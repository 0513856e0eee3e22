"""Apply Alembic migrations to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from services.bootstrap import Storage

ROOT = Path(__file__).resolve().parent.parent


def migrate(storage: Storage, revision: str = "head") -> None:
    if storage.sqlite_path is not None:
        storage.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", storage.migration_url.replace("%", "%%"))
    command.upgrade(config, revision)
