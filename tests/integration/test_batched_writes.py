"""Batched projection writes: held inserts go out together, nothing reads around them, and
updates of held rows change them in memory with the same outcome as statement by statement."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from projections.batching import BatchedWrites
from tests.conftest import PostgresServer

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("name", String))
others = Table("others", metadata, Column("id", Integer, primary_key=True))


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


async def test_an_update_of_a_held_row_by_its_key_is_applied_to_it_in_memory(engine: AsyncEngine) -> None:
    sent = statements_sent(engine)
    async with engine.begin() as conn:
        writes = BatchedWrites(conn)
        await writes.execute(insert(rows).values(id=1, name="first"))
        await writes.execute(insert(rows), {"id": 2, "name": "second"})
        by_key = update(rows).where(rows.c.id == bindparam("key")).values(name=bindparam("name"))
        amended = await writes.execute(by_key.returning(rows.c.name), {"key": 2, "name": "second, amended"})
        await writes.execute(update(rows).where(rows.c.id == 1).values(name="first, amended"))
        await writes.execute(insert(rows).values(id=3, name="third"))
        await writes.flush()

    assert amended.one().name == "second, amended"
    assert sent == [("INSERT", True)]
    async with engine.connect() as conn:
        assert (await conn.execute(select(rows.c.name).order_by(rows.c.id))).scalars().all() == [
            "first, amended",
            "second, amended",
            "third",
        ]


# A property: any mix of inserts, updates (by key or not, with RETURNING or not) and reads leaves
# the same table, and answers the same, through BatchedWrites as statement by statement.
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String),
    Column("size", Integer),
)
_ids = st.integers(min_value=1, max_value=12)
_names = st.sampled_from(["a", "b", "c"])
_sizes = st.integers(min_value=0, max_value=3)
_operations = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), _ids, _names, _sizes, st.booleans()),
        st.tuples(st.just("insert other"), _ids, _names),
        st.tuples(st.just("update by key"), _ids, _names, st.booleans(), st.booleans()),
        st.tuples(st.just("update size by key"), _ids, _sizes),
        st.tuples(st.just("update by name"), _names, _sizes),
        st.tuples(st.just("read"), _names),
    ),
    max_size=30,
)


async def _insert(conn: Any, inserted: set[int], key: int, name: str, size: int, as_parameters: bool) -> None:
    if key in inserted:
        return  # a duplicate would fail either way
    inserted.add(key)
    if as_parameters:
        await conn.execute(insert(things), {"id": key, "name": name, "size": size})
    else:
        await conn.execute(insert(things).values(id=key, name=name, size=size))


async def _update_by_key(conn: Any, key: int, name: str, bound: bool, returning: bool) -> list[Any] | None:
    statement = update(things)
    parameters: dict[str, Any] | None = None
    if bound:
        statement = statement.where(things.c.id == bindparam("key")).values(name=bindparam("name"))
        parameters = {"key": key, "name": name}
    else:
        statement = statement.where(things.c.id == key).values(name=name)
    if not returning:
        await conn.execute(statement, parameters)
        return None
    result = await conn.execute(statement.returning(things.c.size, things.c.name), parameters)
    return [tuple(row) for row in result.all()]


async def _apply(conn: Any, operations: list[tuple[Any, ...]]) -> list[Any]:
    """Runs the operations on ``conn`` (a connection or BatchedWrites); what each one answered."""
    answers: list[Any] = []
    inserted: dict[str, set[int]] = {"things": set(), "rows": set()}
    for kind, *args in operations:
        if kind == "insert":
            await _insert(conn, inserted["things"], *args)
        elif kind == "insert other" and args[0] not in inserted["rows"]:
            inserted["rows"].add(args[0])
            await conn.execute(insert(rows).values(id=args[0], name=args[1]))
        elif kind == "update by key":
            answers.append(await _update_by_key(conn, *args))
        elif kind == "update size by key":
            await conn.execute(update(things).where(things.c.id == args[0]).values(size=args[1]))
        elif kind == "update by name":
            await conn.execute(update(things).where(things.c.name == args[0]).values(size=args[1]))
        elif kind == "read":
            answers.append(await conn.scalar(select(func.count()).where(things.c.name == args[0])))
    if isinstance(conn, BatchedWrites):
        await conn.flush()
    return answers


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database per back end for the module; each example recreates its tables."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('batching') / 'property.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database().replace("postgresql://", "postgresql+asyncpg://", 1)


async def _three_ways(url: str, operations: list[tuple[Any, ...]]) -> list[Any]:
    """Statement by statement, batched, and batched in bulk (COPY on PostgreSQL)."""
    outcomes = []
    engine = create_async_engine(url)
    try:
        for way in ("direct", "batched", "bulk"):
            async with engine.begin() as conn:
                await conn.run_sync(metadata.drop_all)
                await conn.run_sync(metadata.create_all)
            async with engine.begin() as conn:
                await conn.execute(select(1))  # as the runner's tracking row: the transaction is open
                writes = conn if way == "direct" else BatchedWrites(conn, bulk=way == "bulk")
                answers = await _apply(writes, operations)
            async with engine.connect() as conn:
                tables = [(await conn.execute(select(t).order_by(t.c.id))).all() for t in (things, rows)]
            outcomes.append((answers, [[tuple(row) for row in table] for table in tables]))
    finally:
        await engine.dispose()
    return outcomes


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=_operations)
def test_batched_writes_leave_what_statement_by_statement_leaves(
    database_url: str, operations: list[tuple[Any, ...]]
) -> None:
    direct, batched, bulk = asyncio.run(_three_ways(database_url, operations))
    assert batched == direct
    assert bulk == direct


async def _fail_after_bulk_rows(engine: AsyncEngine, *, opened: bool) -> None:
    async with engine.begin() as conn:
        if opened:
            await conn.execute(select(1))
        writes = BatchedWrites(conn, bulk=True)
        for key in range(3):
            await writes.execute(insert(things).values(id=key, name="held", size=key))
        await writes.flush()
        raise RuntimeError("the batch fails")


@pytest.mark.parametrize("opened", [True, False], ids=["transaction open", "nothing sent yet"])
async def test_rows_sent_in_bulk_roll_back_with_their_transaction(database_url: str, opened: bool) -> None:
    """COPY runs outside SQLAlchemy: it must never commit rows of a batch that fails."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
            await conn.run_sync(metadata.create_all)
        with pytest.raises(RuntimeError, match="the batch fails"):
            await _fail_after_bulk_rows(engine, opened=opened)
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(things)) == 0
    finally:
        await engine.dispose()


async def test_a_statement_on_another_table_runs_without_sending_the_held_rows(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        writes = BatchedWrites(conn)
        await writes.execute(insert(rows).values(id=1, name="held"))
        elsewhere = await writes.execute(select(func.count()).select_from(others))
        counted_before_sending = await conn.scalar(select(func.count()).select_from(rows))
        seen = (await writes.execute(select(rows.c.name).where(rows.c.id == 1))).scalar_one()
        await writes.flush()

    assert elsewhere.scalar_one() == 0
    assert counted_before_sending == 0  # still held while the other table was read
    assert seen == "held"  # a read of the held rows' table sends them first
