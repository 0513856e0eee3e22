"""Batched projection writes: held inserts go out together, and nothing reads around them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from projections.batching import BatchedWrites

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("name", String))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'batching.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


def statements_sent(engine: AsyncEngine) -> list[tuple[str, bool]]:
    """Each statement the driver receives, and whether it was an executemany."""
    sent: list[tuple[str, bool]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool) -> None:
        sent.append((statement.split(maxsplit=1)[0], many))

    return sent


async def test_consecutive_inserts_are_sent_as_one_executemany(engine: AsyncEngine) -> None:
    sent = statements_sent(engine)
    async with engine.begin() as conn:
        writes = BatchedWrites(conn)
        for i in range(5):
            await writes.execute(insert(rows).values(id=i, name=f"row {i}"))
        await writes.execute(insert(rows), {"id": 5, "name": "row 5"})
        await writes.flush()

    assert sent == [("INSERT", True)]
    async with engine.connect() as conn:
        assert (await conn.execute(select(rows.c.name).order_by(rows.c.id))).scalars().all() == [
            f"row {i}" for i in range(6)
        ]


async def test_a_read_or_update_sees_every_insert_before_it(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        writes = BatchedWrites(conn)
        await writes.execute(insert(rows).values(id=1, name="first"))
        await writes.execute(insert(rows).values(id=2, name="second"))
        counted = await writes.scalar(select(func.count()).select_from(rows))
        await writes.execute(insert(rows).values(id=3, name="third"))
        await writes.execute(update(rows).where(rows.c.id == 3).values(name="third, amended"))
        await writes.flush()

    assert counted == 2
    async with engine.connect() as conn:
        assert await conn.scalar(select(rows.c.name).where(rows.c.id == 3)) == "third, amended"


async def test_inserts_with_a_conflict_clause_run_at_once(engine: AsyncEngine) -> None:
    sent = statements_sent(engine)
    async with engine.begin() as conn:
        writes = BatchedWrites(conn)
        await writes.execute(insert(rows).values(id=1, name="held"))
        await writes.execute(insert(rows).values(id=2, name="held too"))
        await writes.execute(sqlite_insert(rows).values(id=1, name="again").on_conflict_do_nothing())
        await writes.flush()

    assert sent == [("INSERT", True), ("INSERT", False)]
    async with engine.connect() as conn:
        assert await conn.scalar(select(rows.c.name).where(rows.c.id == 1)) == "held"
