"""Batched writes for a projection batch: single-row INSERTs are held and sent as one executemany.

A projector writes one event at a time (``insert(table).values(...)``), which costs a round trip
per event. Within one batch's transaction, consecutive plain inserts into the same table with the
same columns are held back and sent together the moment anything else is executed (a read that
might need them, an update, the tracking row), so every statement still sees the rows before it.

An UPDATE of one held row by its primary key (a request amended in the batch that posted it) is
applied to the held row instead, and its RETURNING answered from it: no round trip, and the rows
after it stay in the same executemany.
"""

from __future__ import annotations

from collections import namedtuple
from functools import cache
from typing import Any

from sqlalchemy import Column, Table, insert
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.sql.elements import BinaryExpression, BindParameter


class BatchedWrites:
    """Stands in for the batch's connection: ``execute`` and ``scalar``, as projectors use them."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._table: Table | None = None
        self._columns: tuple[str, ...] = ()
        self._rows: list[dict[str, Any]] = []
        self._key: str | None = None  # the held table's one-column primary key
        self._by_key: dict[Any, dict[str, Any]] = {}  # held rows by that key

    @property
    def dialect(self) -> Any:
        return self._conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        rows = _rows_of(statement, parameters)
        if rows is None:
            answered = self._update_held(statement, parameters)
            if answered is not None:
                return answered
            await self.flush()
            return await self._conn.execute(statement, parameters)
        for given in rows:
            row = dict(given)  # the held copy is ours to amend
            table, columns = statement.table, tuple(row)
            if self._rows and (table is not self._table or columns != self._columns):
                await self.flush()
            if not self._rows:
                self._table, self._columns, self._key = table, columns, _key_of(table, columns)
            self._rows.append(row)
            if self._key is not None:
                self._by_key[row[self._key]] = row
        return None

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        await self.flush()
        return await self._conn.scalar(statement, parameters)

    async def flush(self) -> None:
        if not self._rows:
            return
        assert self._table is not None
        rows, self._rows, self._by_key = self._rows, [], {}
        await self._conn.execute(insert(self._table), rows)

    def _update_held(self, statement: Any, parameters: Any) -> HeldResult | None:
        """Apply ``UPDATE table SET col = value ... WHERE key = value`` to the held row it names;
        None (nothing changed) for any other statement, or a row that is not held."""
        if type(statement) is not Update or statement.table is not self._table or self._key is None:
            return None
        if parameters is not None and not isinstance(parameters, dict):
            return None
        bound = _Bound(parameters or {})
        key = _key_compared(statement, self._key, bound)
        row = None if key is _NO_VALUE else self._by_key.get(key)
        values = None if row is None else self._values_set(statement, bound)
        returning = statement._returning  # noqa: SLF001
        plain = all(isinstance(column, Column) and column.table is self._table for column in returning)
        names = tuple(str(getattr(column, "key", "")) for column in returning) if plain else ()
        if row is None or values is None or not plain or not set(names) <= set(self._columns):
            return None
        row.update(values)
        return HeldResult(_row_type(names)(*(row[name] for name in names)) if returning else None)

    def _values_set(self, statement: Update, bound: _Bound) -> dict[str, Any] | None:
        """Column names and bound values of the SET clause; None unless every one is plain."""
        if not statement._values:  # noqa: SLF001
            return None  # ordered values, or SET clauses from the parameters
        values = {}
        for column, value in statement._values.items():  # noqa: SLF001
            name = column if isinstance(column, str) else getattr(column, "key", None)
            if name not in self._columns or name == self._key or not isinstance(value, BindParameter):
                return None
            values[name] = bound.value(value)
        if any(value is _NO_VALUE for value in values.values()) or not bound.all_used():
            return None  # parameters naming no bound value would be SET clauses of their own
        return values


class HeldResult:
    """The result of an UPDATE answered from a held row: one row changed, RETURNING from it."""

    rowcount = 1

    def __init__(self, row: tuple[Any, ...] | None) -> None:
        self._row = row

    def one(self) -> tuple[Any, ...]:
        if self._row is None:
            raise ValueError("the statement has no RETURNING")
        return self._row

    def first(self) -> tuple[Any, ...]:
        return self.one()

    def all(self) -> list[tuple[Any, ...]]:
        return [self.one()]


_NO_VALUE = object()


class _Bound:
    """A statement's bound values, with the execution's parameters over them (as SQLAlchemy does)."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self._parameters = parameters
        self._used: set[str] = set()

    def value(self, bind: BindParameter[Any]) -> Any:
        if bind.callable is not None:
            return _NO_VALUE
        if bind.key in self._parameters:
            self._used.add(bind.key)
            return self._parameters[bind.key]
        return _NO_VALUE if bind.required else bind.value

    def all_used(self) -> bool:
        return self._used == set(self._parameters)


def _key_compared(statement: Update, key: str, bound: _Bound) -> Any:
    criteria = statement._where_criteria  # noqa: SLF001
    if len(criteria) != 1 or not isinstance(criteria[0], BinaryExpression):
        return _NO_VALUE
    where = criteria[0]
    if where.operator is not operators.eq or not isinstance(where.right, BindParameter):
        return _NO_VALUE
    if not isinstance(where.left, Column) or where.left.table is not statement.table or where.left.key != key:
        return _NO_VALUE
    return bound.value(where.right)


def _key_of(table: Table, columns: tuple[str, ...]) -> str | None:
    keys = table.primary_key.columns
    return keys[0].key if len(keys) == 1 and keys[0].key in columns else None


@cache
def _row_type(names: tuple[str, ...]) -> type[tuple[Any, ...]]:
    return namedtuple("HeldRow", names, rename=True)


def _rows_of(statement: Any, parameters: Any) -> list[dict[str, Any]] | None:
    """The rows of a plain insert: ``insert(table).values(...)``, or ``insert(table)`` with its
    parameters (a row or a list of rows); None for any other statement."""
    if type(statement) is not Insert or not isinstance(statement.table, Table):
        return None  # dialect inserts (ON CONFLICT ...) and everything else run as they are
    if statement._multi_values or statement._returning or statement.select is not None:  # noqa: SLF001
        return None
    values = statement._values  # noqa: SLF001
    if parameters is not None:
        if values:
            return None
        rows = [parameters] if isinstance(parameters, dict) else parameters
        return rows if isinstance(rows, list) and all(isinstance(r, dict) for r in rows) else None
    if not values or not all(isinstance(v, BindParameter) for v in values.values()):
        return None
    return [{key if isinstance(key, str) else str(key.key): value.value for key, value in values.items()}]
