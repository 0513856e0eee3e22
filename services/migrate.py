"""Apply Alembic migrations to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from services.bootstrap import Storage


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
