"""The back ends under test: a temporary SQLite data dir or a fresh PostgreSQL database."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class BackendUnavailableError(Exception):
    """The back end cannot be reached; its part of the benchmark is skipped."""


@dataclass(frozen=True)
class Backend:
    name: str
    data_dir: Path
    database_url: str | None  # None means embedded SQLite under data_dir
    workers: int = 1  # API processes of `concord serve` (PostgreSQL only)

    def server_env(self) -> dict[str, str]:
        """The CONCORD_* variables for ``concord migrate`` / ``concord serve``."""
        # Throughput is measured here, not the per-principal rate limit.
        env = {
            "CONCORD_DATA_DIR": str(self.data_dir),
            "CONCORD_RATE_LIMIT_PER_MINUTE": "100000000",
            "CONCORD_RATE_LIMIT_BURST": "100000000",
        }
        if self.database_url is not None:
            env["CONCORD_DATABASE_URL"] = self.database_url
            env["CONCORD_WORKERS"] = str(self.workers)
        return env


@contextmanager
def sqlite_backend() -> Iterator[Backend]:
    root = Path(tempfile.mkdtemp(prefix="concord_bench_sqlite_"))
    try:
        yield Backend("sqlite", root / "data", None)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_backend(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[Backend]:
    """A fresh database ``concord_bench_<random>``, dropped afterwards."""
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise BackendUnavailableError(f"PostgreSQL at {admin_url} is unreachable: {first_line}") from None
    name = f"concord_bench_{secrets.token_hex(4)}"
    root = Path(tempfile.mkdtemp(prefix="concord_bench_pg_"))
    try:
        with admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        yield Backend("postgresql", root / "data", url)
    finally:
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        except psycopg.Error as error:
            print(f"  warning: could not drop database {name}: {error}")
        shutil.rmtree(root, ignore_errors=True)
