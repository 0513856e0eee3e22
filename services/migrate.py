"""Apply Alembic migrations to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from projections.rebuilding import restore_indexes, write_only_indexes
from services.bootstrap import all_projectors
from services.infrastructure.storage import Storage


def project_root() -> Path:
    """Where alembic.ini and migrations/ are: the source tree, or the working directory of an image."""
    for candidate in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (candidate / "alembic.ini").is_file() and (candidate / "migrations").is_dir():
            return candidate
    msg = "cannot find alembic.ini and migrations/ beside the code or in the working directory"
    raise FileNotFoundError(msg)


def migrate(storage: Storage, revision: str = "head") -> None:
    if storage.sqlite_path is not None:
        storage.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    root = project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.set_main_option("sqlalchemy.url", storage.migration_url.replace("%", "%%"))
    command.upgrade(config, revision)
    if revision == "head":
        _restore_rebuilds_indexes(storage)


def _restore_rebuilds_indexes(storage: Storage) -> list[str]:
    """Indexes a killed ``concord rebuild`` dropped and never created again: the schema is
    Alembic's once more (CREATE INDEX IF NOT EXISTS; nothing happens when none is missing)."""
    indexes = [index for projector in all_projectors() for index in write_only_indexes(projector)]
    engine = create_engine(storage.migration_url)
    try:
        with engine.begin() as conn:
            return restore_indexes(conn, indexes)
    finally:
        engine.dispose()
