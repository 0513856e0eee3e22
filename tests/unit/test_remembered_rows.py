"""What is made of a statement's rows, remembered across reads (projections.prepared's
``made_once``, ``memoised`` and ``row_maker``, and ``by_ids``' row objects), and the statements
kept one per shape of read (``Statements``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.ext.asyncio import create_async_engine

from projections.organisations.tables import organisations
from projections.prepared import Prepared, Statements, made_once, memoised, row_maker
from projections.querying import _row_maker


def counting(make: Any) -> tuple[list[Any], Any]:
    calls: list[Any] = []

    def made(value: Any) -> Any:
        calls.append(value)
        return make(value)

    return calls, made


def test_a_row_is_made_once_and_the_same_object_given_again() -> None:
    calls, make = counting(lambda row: (row[0], Decimal(row[1])))
    made = made_once(make)
    first = made(("a", "1.5"))
    assert made(["a", "1.5"]) is first  # the driver's row as a list or a tuple: the same values
    assert made(("a", "2")) == ("a", Decimal(2))
    assert calls == [("a", "1.5"), ("a", "2")]


def test_rows_are_forgotten_all_at_once_past_the_limit() -> None:
    calls, make = counting(lambda row: row[0])
    made = made_once(make, limit=2)
    for row in [(1,), (2,), (1,), (3,), (1,), (2,)]:
        made(row)
    # (3,) found the memo full: it forgot (1,) and (2,), which are made again.
    assert calls == [(1,), (2,), (3,), (1,), (2,)]


def test_a_row_that_cannot_be_a_key_is_made_each_time() -> None:
    calls, make = counting(lambda row: len(row[0]))
    made = made_once(make)
    assert made(([1, 2],)) == made(([1, 2],)) == 2
    assert len(calls) == 2


def test_a_value_is_converted_once_until_forgotten() -> None:
    calls, process = counting(Decimal)
    convert = memoised(process, limit=2)
    assert [convert(v) for v in ("1", "1", "2", "1", "3", "1")] == [Decimal(v) for v in "112131"]
    assert calls == ["1", "2", "3", "1"]


@dataclass
class _Mutable:
    id: UUID


@dataclass(frozen=True)
class _Frozen:
    id: UUID
    name: str


def test_by_ids_shares_only_frozen_rows_between_reads() -> None:
    prepared = Prepared(select(organisations.c.id, organisations.c.name), SQLiteDialect_aiosqlite())
    with pytest.raises(TypeError, match="frozen"):
        _row_maker(prepared, _Mutable)
    made = _row_maker(prepared, _Frozen)
    row = ("0123456789abcdef0123456789abcdef", "UNHCR")
    first = made(row)
    assert first == _Frozen(UUID("0123456789abcdef0123456789abcdef"), "UNHCR")
    assert made(row) is first


def test_a_statements_memoised_processors_are_made_once_and_give_values_without_one_as_they_come() -> None:
    prepared = Prepared(select(organisations.c.id, organisations.c.name), SQLiteDialect_aiosqlite())
    first = prepared.memoised_processors()
    assert prepared.memoised_processors() is first
    to_id, as_given = first
    assert to_id("0123456789abcdef0123456789abcdef") == UUID("0123456789abcdef0123456789abcdef")
    assert as_given("UNHCR") == "UNHCR"
    assert memoised(None)([1]) == [1]


def _by_name(count: int) -> Any:
    """Organisations named by ``count`` parameters, each row with the count of all beside it."""
    named = organisations.c.name.in_(
        [bindparam(f"n{i}", type_=organisations.c.name.type) for i in range(count)]
    )
    total = select(func.count()).select_from(organisations).scalar_subquery().label("total")
    return select(organisations.c.id, organisations.c.name, total).where(named)


def test_a_statement_is_prepared_once_per_shape_and_dialect_and_forgotten_past_the_limit() -> None:
    built: list[int] = []

    def build(count: int) -> Any:
        built.append(count)
        return _by_name(count)

    statements: Statements[int, Any] = Statements(build, limit=2)
    engine = create_async_engine("sqlite+aiosqlite://")
    one = statements.prepared(engine, 1)
    assert one is not None
    assert statements.prepared(engine, 1) is one
    assert statements.prepared(engine, 2) is not None
    assert statements.prepared(engine, 3) is not None  # past the limit: 1 and 2 are forgotten
    assert statements.prepared(engine, 1) is not one
    assert built == [1, 2, 3, 1]


def test_an_engine_that_translates_schemas_or_has_no_raw_path_gets_no_prepared_statement() -> None:
    statements: Statements[int, Any] = Statements(_by_name)
    engine = create_async_engine("sqlite+aiosqlite://")
    shadow = engine.execution_options(schema_translate_map={None: "shadow"})
    assert statements.prepared(shadow, 1) is None  # only SQLAlchemy names another schema's tables
    assert statements.prepared(engine, 1) is not None
    assert statements.prepared(create_async_engine("postgresql+psycopg://"), 1) is None
    assert str(statements.built(2)) == str(_by_name(2))


def test_a_counted_row_is_made_without_its_count_once_for_the_same_values() -> None:
    statements: Statements[int, _Frozen] = Statements(_by_name, _Frozen, counted=True)
    prepared = Prepared(_by_name(1), SQLiteDialect_aiosqlite())
    made = statements.maker(prepared)
    assert statements.maker(prepared) is made
    first = made(("0123456789abcdef0123456789abcdef", "UNHCR", 7))
    assert first == _Frozen(UUID("0123456789abcdef0123456789abcdef"), "UNHCR")
    assert made(["0123456789abcdef0123456789abcdef", "UNHCR", 8]) is first  # another count, same row
    whole = row_maker(
        Prepared(select(organisations.c.id, organisations.c.name), SQLiteDialect_aiosqlite()), _Frozen
    )
    assert whole(("0123456789abcdef0123456789abcdef", "UNHCR")) == first
    with pytest.raises(TypeError, match="nothing to make"):
        Statements(_by_name).maker(prepared)
