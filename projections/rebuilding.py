"""What a catch-up (a rebuild) writes through: one connection set up for bulk work, and a read
model's write-only indexes built once at the end instead of row by row.

SQLite's default page cache is 2 MB and it checkpoints the WAL every 1,000 pages: a rebuild's
tables and indexes outgrow the one at once, and the other copies pages back into the database
file again and again. A catch-up's one connection gets a 256 MB cache and a checkpoint every
10,000 pages; the pooled connection gets its own settings back afterwards, or is discarded.

An index that the projector never reads through while it projects serves only queries. Kept up
row by row it costs a B-tree insert per row and index; built once over the filled table it is a
sort. A rebuild drops such indexes before it replays the log and creates them again when it ends,
finished or not; ``restore_indexes`` creates any that a killed rebuild left missing, run by
``concord migrate`` and by whichever process starts projecting (``restore_write_only_indexes``).
Unique indexes and those named in no projector's ``write_only_indexes`` are never dropped.

After a rebuild or a catch-up, PostgreSQL's planner knows nothing of the rows just written until
autovacuum next analyses the tables (a minute later by default; never where it is off): on a
demo at scale 10 the needs that a donor's offers could serve were read in 94 ms by a plan made for
empty tables, and in 5.6 ms once analysed. ``analyse`` gives it their statistics at once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, Index, inspect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateIndex, DropIndex

from projections.projector import Projector

log = logging.getLogger(__name__)

#: A SQLite connection's settings while it catches up: cache_size in KiB (negative), pages.
BULK_SQLITE_PRAGMAS = {"cache_size": -256 * 1024, "wal_autocheckpoint": 10_000}


@asynccontextmanager
async def bulk_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection for a whole catch-up, outside any transaction (each batch begins its own)."""
    async with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            yield conn
            return
        before = {name: await _pragma(conn, name) for name in BULK_SQLITE_PRAGMAS}
        try:
            for name, value in BULK_SQLITE_PRAGMAS.items():
                await conn.exec_driver_sql(f"PRAGMA {name}={int(value)}")
            await conn.commit()  # the pragmas' autobegun transaction
            yield conn
        finally:
            await _restore_pragmas(conn, before)


async def _pragma(conn: AsyncConnection, name: str) -> int:
    value = (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
    await conn.commit()
    return int(value)


async def _restore_pragmas(conn: AsyncConnection, before: dict[str, int]) -> None:
    try:
        if conn.in_transaction():
            await conn.rollback()
        for name, value in before.items():
            await conn.exec_driver_sql(f"PRAGMA {name}={int(value)}")
        await conn.commit()
    except BaseException:
        await conn.invalidate()  # never back into the pool with a rebuild's settings
        raise


async def restore_write_only_indexes(engine: AsyncEngine, projectors: Iterable[Projector]) -> list[str]:
    """``restore_indexes`` for the projectors' write-only indexes: before a process projects, the
    read models have every index a killed rebuild had dropped (nothing happens when none is missing)."""
    indexes = [index for projector in projectors for index in write_only_indexes(projector)]
    if not indexes:
        return []
    async with engine.begin() as conn:
        return await conn.run_sync(restore_indexes, indexes)


def write_only_indexes(projector: Projector) -> list[Index]:
    """The projector's indexes that its own writes never read through (queries' indexes)."""
    names: frozenset[str] = getattr(projector, "write_only_indexes", frozenset())
    found = [index for table in projector.tables for index in table.indexes if index.name in names]
    missing = names - {index.name for index in found}
    if missing:
        raise LookupError(f"{projector.name}: no index named {', '.join(sorted(missing))}")
    if unique := [str(index.name) for index in found if index.unique]:
        raise ValueError(f"{projector.name}: unique indexes are not write-only: {', '.join(unique)}")
    return sorted(found, key=lambda index: str(index.name))


async def drop_indexes(conn: AsyncConnection, indexes: Iterable[Index]) -> None:
    for index in indexes:
        await conn.execute(DropIndex(index, if_exists=True))


async def create_indexes(conn: AsyncConnection, indexes: Iterable[Index]) -> None:
    for index in indexes:
        await conn.execute(CreateIndex(index, if_not_exists=True))


def restore_indexes(conn: Connection, indexes: Iterable[Index]) -> list[str]:
    """Create those of ``indexes`` missing from their tables (a rebuild was killed); their names."""
    inspector = inspect(conn)
    created = []
    for index in indexes:
        table: Any = index.table
        if not inspector.has_table(table.name):
            continue
        if index.name not in {i["name"] for i in inspector.get_indexes(table.name)}:
            conn.execute(CreateIndex(index, if_not_exists=True))
            created.append(str(index.name))
    if created:
        log.warning("created indexes a rebuild had left missing: %s", ", ".join(created))
    return created


async def analyse(conn: AsyncConnection, projectors: Iterable[Projector]) -> None:
    """``ANALYZE`` the projectors' tables, on PostgreSQL (SQLite's planner keeps no statistics
    unless asked, and reads these tables by their indexes as it is)."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    # A shadow rebuild's tables are in the schema its connection translates to.
    options = conn.sync_connection.get_execution_options() if conn.sync_connection else {}
    translate = options.get("schema_translate_map") or {}
    for projector in projectors:
        for table in projector.tables:
            schema = translate.get(table.schema, table.schema)
            name = quote(table.name) if schema is None else f"{quote(schema)}.{quote(table.name)}"
            await conn.exec_driver_sql(f"ANALYZE {name}")
