"""Fixtures shared by every layer of tests: back ends, settings, a running Concord."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.database import create_read_engine
from services.bootstrap import Runtime, start
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.migrate import migrate
from services.settings import Settings
from tests import xdist_internals

POSTGRES_ADMIN_URL = os.environ.get(
    "CONCORD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("CONCORD_REQUIRE_POSTGRES", "") not in ("", "0", "false")
TODAY = date(2026, 11, 28)

# Examples are bounded per test; a deadline per example would only measure how busy the machine is.
hypothesis_settings.register_profile("concord", deadline=None)
hypothesis_settings.load_profile("concord")


@pytest.hookimpl(trylast=True)  # after the conftests that mark groups (tests/resilience)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--dist loadgroup` honours the `xdist_group` marks (tests/xdist_internals.py)."""
    xdist_internals.name_groups(config, items)


@pytest.fixture(autouse=True)
def _root_logger_as_it_was() -> Iterator[None]:
    """A test that makes an app or runs a command configures the root logger as a server does: a
    background handler writing to stderr as it is at each write. Closed at the test's end, while
    pytest still captures stderr, so that its last lines are the test's output, not the next one's
    or the run's summary."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for added in [h for h in root.handlers if h not in before]:
        root.removeHandler(added)
        added.close()
    root.setLevel(level)


def fixed_today() -> date:
    """Tests run on a fixed date, so that needed-by dates never drift into the past."""
    return TODAY


class PostgresServer:
    """A database per test, copied from one migrated template made once per run."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.run_id = uuid.uuid4().hex[:8]
        self.template = f"concord_test_{self.run_id}_template"
        self.databases: list[str] = []

    def url(self, database: str) -> str:
        base = self.admin_url.rsplit("/", 1)[0]
        return f"{base}/{database}"

    def _execute(self, statement: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def prepare_template(self) -> None:
        self._execute(f'CREATE DATABASE "{self.template}"')
        migrate(storage_for(Settings(database_url=self.url(self.template))))

    def new_database(self) -> str:
        name = f"concord_test_{self.run_id}_{len(self.databases)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.databases.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        """Drop this run's databases, several at a time: one by one took half a minute of teardown."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(self._drop, self.databases))
        self._drop(self.template)

    def _drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_sqlite_template: list[Path] = []


def migrated_sqlite(data_dir: Path) -> None:
    """Make ``data_dir`` with a migrated SQLite database: a copy of one migrated once per test
    process, as PostgreSQL's databases are copies of a template. Sixteen migrations per test took
    0.2 s of CPU and, on a loaded machine, more than a second of waiting on fsync."""
    if not _sqlite_template:
        template = Path(tempfile.mkdtemp(prefix="concord-sqlite-template-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        migrate(storage_for(Settings(data_dir=template / "var")))
        _sqlite_template.append(template / "var")
    shutil.copytree(_sqlite_template[0], data_dir)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(POSTGRES_ADMIN_URL)
    server.prepare_template()
    try:
        yield server
    finally:
        server.drop_all()


def fresh_settings(request: pytest.FixtureRequest, backend: str, data_dir: Path) -> Settings:
    """Settings for a fresh, migrated database on the back end, its files in ``data_dir``."""
    if backend == "sqlite":
        migrated_sqlite(data_dir)
        return Settings(
            data_dir=data_dir,
            projection_poll_interval=0.2,
            consistency_timeout=30,
            command_db_timeout=30,
        )
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return Settings(
        database_url=server.new_database(),
        data_dir=data_dir,
        projection_poll_interval=0.2,
        consistency_timeout=30,  # a busy CI machine must not turn a slow read into STALE_READ
        command_db_timeout=30,  # nor a command queued behind others into SERVICE_UNAVAILABLE
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh, migrated database on each back end."""
    return fresh_settings(request, request.param, tmp_path / "var")


@pytest.fixture
def signer(settings: Settings) -> DevSigner:
    """The development signer the test server trusts (its key lives in the data directory)."""
    return DevSigner(settings.data_dir, settings.auth_audience)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A running Concord with its projections in this process."""
    running = await start(settings, today=fixed_today)
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def read_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """A read engine on a fresh, migrated database of each back end, for a test that fills the read
    models itself (no Concord, no projections)."""
    storage = storage_for(settings)
    migrate(storage)
    engine = create_read_engine(storage.read_url)
    try:
        yield engine
    finally:
        await engine.dispose()
