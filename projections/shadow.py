"""Rebuild a read model without downtime (PostgreSQL): build it in a schema of its own, then switch.

The live tables keep serving, and the live runner keeps applying events to them, while a shadow
runner replays the whole log into copies in schema ``rebuild_<projection>``. The switch is one
transaction: it locks the live tables (queries wait for milliseconds), replays the last events
into the shadow, moves the live tables out to ``retired_<projection>`` and the shadow ones in, and
sets the tracking row to the shadow's position. The live runner's next guarded tracking update
then fails, so it re-reads its position and carries on from there; nothing is applied twice.
PostgreSQL re-resolves table names in cached plans after DDL, so open connections follow. The
shadow's write-only indexes are built once its bulk is in, before the switch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from projections.projector import Projector
from projections.rebuilding import analyse, create_indexes, drop_indexes, write_only_indexes
from projections.tables import metadata, projection_tracking
from projections.tracked import TrackedProjection

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


class ShadowUnsupported(RuntimeError):
    """Only PostgreSQL has schemas to build beside the live tables; SQLite rebuilds in place."""


def _schemas(projector: Projector) -> tuple[str, str]:
    if not _NAME.fullmatch(projector.name):
        raise ValueError(f"{projector.name!r} cannot name a schema")
    return f"rebuild_{projector.name}", f"retired_{projector.name}"


async def shadow_rebuild(
    projector: Projector,
    *,
    engine: AsyncEngine,
    recorder: Any,
    decode: Callable[[Any], Any],
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Replay the log into new tables and switch them in; returns the position switched at."""
    if engine.dialect.name != "postgresql":
        raise ShadowUnsupported("a rebuild into new tables needs PostgreSQL; on SQLite use concord rebuild")
    shadow, retired = _schemas(projector)
    shadow_engine = engine.execution_options(schema_translate_map={None: shadow})
    tables = [projection_tracking, *projector.tables]
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{shadow}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{shadow}"'))
    deferred = write_only_indexes(projector)  # built once the bulk is in, not row by row
    async with shadow_engine.begin() as conn:
        await conn.run_sync(lambda sync: metadata.create_all(sync, tables=tables))
        await drop_indexes(conn, deferred)
    runner = TrackedProjection(
        projector, engine=shadow_engine, recorder=recorder, decode=decode, batch_size=batch_size
    )
    await runner.load_position()
    await runner.catch_up(on_batch)  # the bulk, while the live tables serve as before
    async with shadow_engine.begin() as conn:
        await create_indexes(conn, deferred)
        await analyse(conn, [projector])  # the planner knows the rows it switches in
    async with engine.begin() as conn:
        await _lock_live(conn, projector)
        await runner.catch_up(on_batch)  # what was recorded meanwhile; the live runner waits
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{retired}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{retired}"'))
        for table in projector.tables:
            await conn.execute(text(f'ALTER TABLE public."{table.name}" SET SCHEMA "{retired}"'))
            await conn.execute(text(f'ALTER TABLE "{shadow}"."{table.name}" SET SCHEMA public'))
        await conn.execute(
            update(projection_tracking)
            .where(projection_tracking.c.projection == projector.name)
            .values(position=runner.position)
        )
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{retired}" CASCADE'))
        await conn.execute(text(f'DROP SCHEMA "{shadow}" CASCADE'))
    return runner.position


async def _lock_live(conn: AsyncConnection, projector: Projector) -> None:
    """Hold the live runner back: its tables (it waits for its open batch to end) and its row."""
    names = ", ".join(f'public."{t.name}"' for t in projector.tables)
    await conn.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
    await conn.execute(
        select(projection_tracking.c.position)
        .where(projection_tracking.c.projection == projector.name)
        .with_for_update()
    )
