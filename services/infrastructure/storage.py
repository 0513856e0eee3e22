"""Where events and read models live, worked out from the settings: an SQLite file in the data
directory, or the PostgreSQL database named by ``CONCORD_DATABASE_URL``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from services.settings import Settings

SQLITE_FILE = "concord.sqlite3"


@dataclass(frozen=True)
class Storage:
    """Where events and read models live, in each form the parts need."""

    event_store_env: dict[str, str]
    read_url: str
    migration_url: str
    is_postgres: bool
    sqlite_path: Path | None = None


def storage_for(settings: Settings) -> Storage:
    if settings.database_url is None:
        storage = _sqlite_storage(settings.data_dir / SQLITE_FILE)
    else:
        storage = _postgres_storage(settings.database_url, settings.postgres_pool_size)
    group_commit = {
        "GROUP_COMMIT_WINDOW_MS": str(settings.group_commit_window_ms),
        "GROUP_COMMIT_MAX_BATCH": str(settings.group_commit_max_batch),
    }
    return dataclasses.replace(storage, event_store_env={**storage.event_store_env, **group_commit})


def _sqlite_storage(path: Path) -> Storage:
    path = path.resolve()
    return Storage(
        event_store_env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "30",
            "CREATE_TABLE": "false",
        },
        read_url=f"sqlite+aiosqlite:///{path}",
        migration_url=f"sqlite:///{path}",
        is_postgres=False,
        sqlite_path=path,
    )


def _postgres_storage(database_url: str, pool_size: int) -> Storage:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        msg = f"CONCORD_DATABASE_URL must be a postgresql:// URL, not {url.get_backend_name()}://"
        raise ValueError(msg)
    if not url.database:
        msg = "CONCORD_DATABASE_URL names no database"
        raise ValueError(msg)
    return Storage(
        event_store_env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.database,
            "POSTGRES_HOST": url.host or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "postgres",
            "POSTGRES_PASSWORD": url.password or "",
            "POSTGRES_POOL_SIZE": str(pool_size),
            # Room for every command thread (32) beside the listener and the projection readers:
            # waiting for a pooled connection behind the table lock stalled commands for 30 s.
            "POSTGRES_MAX_OVERFLOW": "40",
            "POSTGRES_CONNECT_TIMEOUT": "10",
            # After a database restart every pooled connection is dead; without a check on
            # checkout, eventsourcing's ten retries could all draw dead ones.
            "POSTGRES_PRE_PING": "y",
            # Its insert function draws positions without the table lock, so a projection could
            # pass over a slow writer's earlier position: keep the locking insert, whatever the
            # environment says (the application-prefixed key is the one eventsourcing reads first).
            "CONCORD_POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "CREATE_TABLE": "false",
        },
        read_url=url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False),
        migration_url=url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
        is_postgres=True,
    )
