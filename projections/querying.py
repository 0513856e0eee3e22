"""What every read model's queries share: ids in batches, areas by P-code prefix, rows by id, the
cells of a read model of sums."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Select, Table, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.prepared import Prepared, Statements, memoised, row_maker

K = TypeVar("K")
T = TypeVar("T")


#: Ids bound in one ``IN (...)`` list: well under the bind-parameter limits (SQLite 32,766 by default,
#: asyncpg 32,767), since an export looks up the ends of every flow at once.
IDS_PER_QUERY = 5_000


def in_batches(ids: Iterable[K]) -> Iterator[list[K]]:
    """The distinct ids, ``IDS_PER_QUERY`` at a time, in the order first seen."""
    distinct = list(dict.fromkeys(ids))
    for start in range(0, len(distinct), IDS_PER_QUERY):
        yield distinct[start : start + IDS_PER_QUERY]


def within(column: Any, areas: Sequence[str]) -> list[Any]:
    """Rows in any of the areas: a P-code and every code under it. A caller's ``%`` and ``_`` are
    matched as themselves, not as LIKE's wildcards (``_`` would match every code)."""
    return [or_(*(column.startswith(area, autoescape=True) for area in areas))] if areas else []


async def by_ids(engine: AsyncEngine, table: Table, row_type: type[T], ids: Sequence[UUID]) -> dict[UUID, T]:
    """Rows of ``table`` for ``ids``, one query per batch of ids (the DataLoaders' batch function).

    A statement for each power of two of ids (a batch is padded with its last id), prepared once and
    run on the driver's connection, each value converted once per distinct value
    (projections.prepared): a loader's page of rows costs less than SQLAlchemy's own execution."""
    if not ids:
        return {}
    names = tuple(row_type.__dataclass_fields__)  # type: ignore[attr-defined]
    found: dict[UUID, T] = {}
    async with engine.connect() as conn:
        for batch in in_batches(ids):
            size = 1 << (len(batch) - 1).bit_length()
            prepared = _BY_IDS.prepared(engine, (table, names, size))
            if prepared is None:
                columns = [table.c[name] for name in names]
                rows = await conn.execute(select(*columns).where(table.c.id.in_(batch)))
                found.update({row.id: row_type(*row) for row in rows})
                continue
            values = {f"id_{k}": batch[min(k, len(batch) - 1)] for k in range(size)}
            raw = await prepared.run(conn, values)
            row_of = _rows_of.get(prepared)
            if row_of is None:
                row_of = _rows_of[prepared] = _row_maker(prepared, row_type)
            for row in raw:
                each = row_of(row)
                found[each.id] = each
    return found


#: Each ``by_ids`` statement's rows to their row objects, remembered by the row's values: the
#: loaders read the same rows on every refresh of a page, and a row object (frozen, of plain
#: values) depends on its row alone.
_rows_of: dict[Prepared, Callable[[Sequence[Any]], Any]] = {}


def _row_maker(prepared: Prepared, row_type: type[T]) -> Callable[[Sequence[Any]], T]:
    if not row_type.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{row_type.__name__} is shared between reads: it must be frozen")
    return row_maker(prepared, row_type)


def _by_ids_select(shape: tuple[Table, tuple[str, ...], int]) -> Select[Any]:
    """A table's columns of ``names`` for a list of ``size`` ids (``id_0`` to ``id_{size-1}``)."""
    table, names, size = shape
    listed = [bindparam(f"id_{k}", type_=table.c.id.type) for k in range(size)]
    return select(*(table.c[name] for name in names)).where(table.c.id.in_(listed))


#: ``by_ids``' statements: one per table, columns and power of two of ids.
_BY_IDS: Statements[tuple[Table, tuple[str, ...], int], Any] = Statements(_by_ids_select)


def among(column: Any, values: Sequence[Any]) -> list[Any]:
    """Rows whose ``column`` is any of ``values``; no condition for no values."""
    return [column.in_(list(values))] if values else []


class SumCells:
    """A read model's cells of sums (``projections.sums``), read for adding up: one statement for
    each shape of read (``build`` makes it, its last column the cell's ``places``), prepared once
    and run on the driver's connection (``projections.prepared``), each column's values converted
    once per distinct value across reads (a dashboard reads the same cells on every refresh), and
    the places read as the most decimal places of a term of each of ``sums``."""

    def __init__(self, build: Callable[[Hashable], Select[Any]], sums: Sequence[str]) -> None:
        self._statements: Statements[Hashable, Any] = Statements(build)
        self._sums = tuple(sums)
        self._reads: dict[Prepared, list[Callable[[Any], Any]]] = {}

    async def __call__(
        self, engine: AsyncEngine, shape: Hashable, values: Mapping[str, Any]
    ) -> list[list[Any]]:
        """The cells of the statement of ``shape`` for ``values``: each a row of its columns'
        values, the last the longest places of each sum."""
        prepared = self._statements.prepared(engine, shape)
        if prepared is None:  # tables in another schema (a shadow rebuild's): SQLAlchemy names them
            async with engine.connect() as conn:
                found = await conn.execute(self._statements.built(shape), dict(values))
                return [[*row[:-1], self._longest(row[-1])] for row in found]
        cells = await prepared.rows(engine, values)
        reads = self._reads.get(prepared)
        if reads is None:
            *columns, _ = prepared.memoised_processors()
            held = prepared.processors()[-1] or (lambda value: value)
            reads = self._reads[prepared] = [*columns, memoised(lambda value: self._longest(held(value)))]
        return [[read(value) for read, value in zip(reads, cell, strict=True)] for cell in cells]

    async def added_up(
        self,
        engine: AsyncEngine,
        shape: Hashable,
        values: Mapping[str, Any],
        key_of: Callable[[Sequence[Any]], K],
    ) -> dict[K, tuple[Any, ...]]:
        """The cells added up per group (``key_of`` each cell's row): the shares they count, then
        each sum, shown with as many decimal places as its longest term (each cell's row ends with
        its shares, its sums and their places)."""
        n = len(self._sums)
        totals: dict[K, list[Any]] = {}
        for cell in await self(engine, shape, values):
            key = key_of(cell)
            entry = totals.get(key)
            if entry is None:
                entry = totals[key] = [0, *([Decimal(0)] * n), *([0] * n)]
            entry[0] += cell[-2 - n]
            longest = cell[-1]
            for i, amount in enumerate(cell[-1 - n : -1]):
                entry[1 + i] += amount
                entry[1 + n + i] = max(entry[1 + n + i], longest[i])
        return {key: (e[0], *(shown(e[1 + i], e[1 + n + i]) for i in range(n))) for key, e in totals.items()}

    def _longest(self, places: Mapping[str, Mapping[str, int]]) -> tuple[int, ...]:
        return tuple(max((int(p) for p in places.get(name, {})), default=0) for name in self._sums)


def shown(total: Decimal, decimals: int) -> Decimal:
    """Exactly ``total``, written with ``decimals`` places (every term has at most that many)."""
    return total.quantize(Decimal(1).scaleb(-decimals))
