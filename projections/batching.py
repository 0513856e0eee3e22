"""Batched writes for a projection batch: single-row INSERTs are held and sent as one executemany.

A projector writes one event at a time (``insert(table).values(...)``), which costs a round trip
per event. Within one batch's transaction, consecutive plain inserts into the same table with the
same columns are held back and sent together the moment anything else is executed (a read that
might need them, an update, the tracking row), so every statement still sees the rows before it.

A read that names neither the held table nor a table bound to it by a foreign key runs without
sending the held rows first: it cannot see them. Any write sends them first, so that the rows reach
the database in the order they were written (a tracking row's guarded update, which may roll the
batch back, comes after the rows it vouches for), as does a read whose tables cannot be told.

An UPDATE of one held row by its primary key (a request amended in the batch that posted it) is
applied to the held row instead, and its RETURNING answered from it: no round trip, and the rows
after it stay in the same executemany.

With ``bulk`` (a rebuild's big batches) the held rows skip SQLAlchemy's per-row work: they go
through the columns' own bind processors into tuples, sent with COPY on PostgreSQL (asyncpg) and
one executemany of the compiled INSERT elsewhere.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from psycopg import sql as pg_sql
from sqlalchemy import Column, Table, insert
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, TextClause
from sqlalchemy.sql.selectable import Select, TableClause


class BatchedWrites:
    """Stands in for the batch's connection: ``execute`` and ``scalar``, as projectors use them."""

    def __init__(self, conn: Any, *, bulk: bool = False) -> None:
        self._conn = conn
        self._bulk = bulk
        self._table: Table | None = None
        self._columns: tuple[str, ...] = ()
        self._column_set: frozenset[str] = frozenset()
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
            if self._rows and not self._may_touch_held(statement):
                return await self._conn.execute(statement, parameters)
            await self.flush()
            return await self._conn.execute(statement, parameters)
        for given in rows:
            row = dict(given)  # the held copy is ours to amend
            table, columns = statement.table, tuple(row)
            if self._rows and (table is not self._table or columns != self._columns):
                await self.flush()
            if not self._rows:
                self._table, self._columns, self._key = table, columns, _key_of(table, columns)
                self._column_set = frozenset(columns)
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
        if self._bulk:
            await send_bulk(self._conn, self._table, self._columns, rows)
        else:
            await self._conn.execute(_insert_into(self._table), rows)

    def _may_touch_held(self, statement: Any) -> bool:
        """Whether ``statement`` might read or change the held rows' table, or one bound to it by a
        foreign key (True when its tables cannot be told)."""
        tables = _tables_named(statement)
        if tables is None:
            return True
        held = self._table
        return any(
            table is held
            or any(fk.column.table is held for fk in table.foreign_keys)
            or any(fk.column.table is table for fk in held.foreign_keys)  # type: ignore[union-attr]
            for table in tables
        )

    def _update_held(self, statement: Any, parameters: Any) -> HeldResult | None:
        """Apply ``UPDATE table SET col = value ... WHERE key = value`` to the held row it names;
        None (nothing changed) for any other statement, or a row that is not held."""
        if type(statement) is not Update or statement.table is not self._table or self._key is None:
            return None
        plan = _plan_of(statement)
        if plan is None or plan.key != self._key or not plan.columns <= self._column_set:
            return None
        given = {} if parameters is None else parameters
        # Parameters naming no bound value would be SET clauses of their own.
        usable = isinstance(given, dict) and given.keys() <= plan.bound
        key = _value(plan.key_bind, given) if usable else _NO_VALUE
        row = None if key is _NO_VALUE else self._by_key.get(key)
        values = {} if row is None else {name: _value(bind, given) for name, bind in plan.sets}
        if row is None or any(value is _NO_VALUE for value in values.values()):
            return None
        row.update(values)
        if plan.returning is None:
            return HeldResult(None)
        return HeldResult(_row_type(plan.returning)(*(row[name] for name in plan.returning)))


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


@dataclass(frozen=True)
class _Plan:
    """What an UPDATE of one row by its key does, read once per statement object."""

    key: str  # the column compared
    key_bind: BindParameter[Any]
    sets: tuple[tuple[str, BindParameter[Any]], ...]  # column name, value
    returning: tuple[str, ...] | None
    columns: frozenset[str]  # every column the statement names
    bound: frozenset[str]  # the keys of its bound values, which parameters may give


_named: weakref.WeakKeyDictionary[Any, frozenset[Table] | None] = weakref.WeakKeyDictionary()


def _tables_named(statement: Any) -> frozenset[Table] | None:
    """The tables a SELECT names anywhere in it (columns, FROM, subqueries); None for any other
    statement, or one with text or a table not in a MetaData."""
    try:
        return _named[statement]
    except KeyError:
        pass
    except TypeError:  # not weakly referenceable: work it out each time
        return _work_out_tables(statement)
    _named[statement] = found = _work_out_tables(statement)
    return found


def _work_out_tables(statement: Any) -> frozenset[Table] | None:
    if type(statement) is not Select:
        return None
    tables: set[Table] = set()
    for element in visitors.iterate(statement):
        if isinstance(element, Table):
            tables.add(element)
        elif isinstance(element, (TextClause, TableClause)):
            return None
        owner = getattr(element, "table", None)
        if isinstance(owner, Table):
            tables.add(owner)
        elif owner is not None and not isinstance(owner, Table) and isinstance(owner, TableClause):
            return None
    return frozenset(tables)


_plans: weakref.WeakKeyDictionary[Update, _Plan | None] = weakref.WeakKeyDictionary()


def _plan_of(statement: Update) -> _Plan | None:
    try:
        return _plans[statement]
    except KeyError:
        plan = _plans[statement] = _make_plan(statement)
        return plan


def _key_compared(statement: Update) -> tuple[str, BindParameter[Any]] | None:
    """The column and bound value of ``WHERE column = value``, the statement's one criterion."""
    criteria = statement._where_criteria  # noqa: SLF001
    where = criteria[0] if len(criteria) == 1 else None
    if not isinstance(where, BinaryExpression) or where.operator is not operators.eq:
        return None
    column, value = where.left, where.right
    if not isinstance(column, Column) or column.table is not statement.table:
        return None
    return (column.key, value) if isinstance(value, BindParameter) else None


def _make_plan(statement: Update) -> _Plan | None:
    compared = _key_compared(statement)
    if compared is None or not statement._values:  # noqa: SLF001
        return None  # also ordered values, or SET clauses from the parameters only
    key, key_bind = compared
    sets = []
    for column, value in statement._values.items():  # noqa: SLF001
        name = column if isinstance(column, str) else getattr(column, "key", None)
        if not isinstance(name, str) or name == key or not isinstance(value, BindParameter):
            return None
        sets.append((name, value))
    returning = statement._returning  # noqa: SLF001
    if not all(isinstance(column, Column) and column.table is statement.table for column in returning):
        return None
    names = tuple(str(getattr(column, "key", "")) for column in returning)
    binds = [key_bind, *(bind for _, bind in sets)]
    if any(bind.callable is not None for bind in binds):
        return None
    return _Plan(
        key=key,
        key_bind=key_bind,
        sets=tuple(sets),
        returning=names if returning else None,
        columns=frozenset((*names, *(name for name, _ in sets))),
        bound=frozenset(bind.key for bind in binds),
    )


def _value(bind: BindParameter[Any], parameters: dict[str, Any]) -> Any:
    """A bound value, the execution's parameters over the statement's (as SQLAlchemy does)."""
    if bind.key in parameters:
        return parameters[bind.key]
    return _NO_VALUE if bind.required else bind.value


def _key_of(table: Table, columns: tuple[str, ...]) -> str | None:
    keys = table.primary_key.columns
    return keys[0].key if len(keys) == 1 and keys[0].key in columns else None


@cache
def _insert_into(table: Table) -> Insert:
    """The plain INSERT of ``table``, built once: SQLAlchemy keys its compiled form by the
    statement, which it works out once per statement object (every batch flushes one or more)."""
    return insert(table)


@cache
def _row_type(names: tuple[str, ...]) -> type[tuple[Any, ...]]:
    return namedtuple("HeldRow", names, rename=True)


async def send_bulk(conn: Any, table: Table, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (each with exactly ``columns``) in the connection's transaction, the
    cheapest way its driver has."""
    dialect = conn.dialect
    sql, processors = _bulk_insert(dialect, table, columns)
    translate = conn.sync_connection.get_execution_options().get("schema_translate_map")
    if sql is None or (translate and dialect.driver != "asyncpg"):
        await conn.execute(insert(table), rows)  # defaults to compute, or a schema to translate
        return
    records = _records(rows, processors)
    if dialect.driver == "asyncpg":
        raw = (await conn.get_raw_connection()).driver_connection
        if not raw.is_in_transaction():  # COPY would commit on its own: never
            await conn.execute(insert(table), rows)
            return
        schema = (translate or {}).get(table.schema, table.schema)
        names = [name for name, _ in processors]
        await raw.copy_records_to_table(table.name, records=records, columns=names, schema_name=schema)
        return
    if dialect.driver == "psycopg":  # a catch-up's own thread (projections.threaded)
        _copy_psycopg(conn.sync_connection, table, [name for name, _ in processors], records)
        return
    await conn.exec_driver_sql(sql, records)


def _copy_psycopg(conn: Any, table: Table, names: list[str], records: list[tuple[Any, ...]]) -> None:
    """COPY the records through psycopg, in the connection's transaction."""
    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(*((table.schema, table.name) if table.schema else (table.name,))),
        pg_sql.SQL(", ").join(pg_sql.Identifier(name) for name in names),
    )
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for record in records:
            copy.write_row(record)


def _records(rows: list[dict[str, Any]], processors: tuple[tuple[str, Any], ...]) -> list[tuple[Any, ...]]:
    """The rows as tuples of bound values, built a column at a time (the loops run in C)."""
    columns = []
    for name, process in processors:
        values = list(map(itemgetter(name), rows))
        columns.append(values if process is None else list(map(process, values)))
    return list(zip(*columns, strict=True))


@cache
def _bulk_insert(
    dialect: Any, table: Table, columns: tuple[str, ...]
) -> tuple[str | None, tuple[tuple[str, Any], ...]]:
    """The compiled INSERT of ``columns``, and its parameters in order with their columns' bind
    processors; no SQL where the INSERT would add values of its own (column defaults)."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    # psycopg's named parameters have no order: its COPY takes the columns' (no SQL is sent).
    order = compiled.positiontup if dialect.driver != "psycopg" else list(columns)
    if order is None or sorted(order) != sorted(columns) or compiled.insert_prefetch or compiled.postfetch:
        return None, ()
    processors = tuple(
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in order
    )
    return compiled.string, processors


def _rows_given(parameters: Any) -> list[dict[str, Any]] | None:
    """A row, or a list of rows, as a list; a projector's one row with no generator to check it."""
    if isinstance(parameters, dict):
        return [parameters]
    is_rows = isinstance(parameters, list) and all(isinstance(row, dict) for row in parameters)
    return parameters if is_rows else None


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
        return _rows_given(parameters)
    if not values or not all(isinstance(v, BindParameter) for v in values.values()):
        return None
    return [{key if isinstance(key, str) else str(key.key): value.value for key, value in values.items()}]
