"""Statements compiled once for the engine's dialect and run on the driver's own connection.

For the reads the dashboard makes on every refresh, SQLAlchemy's execution (the walk over the
statement for its cache key, a processor call per value of each row, on aiosqlite a thread hop per
fetch) costs more than the query itself on a page of 100 rows. A ``Prepared`` statement is compiled
once; each run binds its values with the columns' own bind processors (as SQLAlchemy binds them),
sends it through asyncpg or aiosqlite, which keep it prepared, and returns the driver's rows as they
come, for a caller that converts each value itself (once per distinct value, say). ``processors``
gives it SQLAlchemy's result processors, so that what it reads is what SQLAlchemy would read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Dialect, bindparam
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Select
from sqlalchemy.util import greenlet_spawn

T = TypeVar("T")
S = TypeVar("S", bound=Hashable)

#: The drivers whose own connections a statement runs on (the read engines' drivers).
DRIVERS = frozenset({"asyncpg", "aiosqlite"})


class Unprepared(Exception):
    """The statement cannot run on this engine's driver as it is."""


class Prepared:
    """One statement, compiled for one dialect: its SQL, its parameters' order and processors."""

    __slots__ = (
        "_fixed",
        "_memoised",
        "_names",
        "_processors",
        "_results",
        "_type_codes",
        "columns",
        "dialect",
        "sql",
    )

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        if dialect.driver not in DRIVERS:
            raise Unprepared(f"no raw path for the {dialect.driver} driver")
        compiled = statement.compile(dialect=dialect)
        if not compiled.positional or compiled.positiontup is None:
            raise Unprepared("the dialect's parameters are not positional")
        self.dialect = dialect
        self.sql = compiled.string
        self._names: tuple[str, ...] = tuple(compiled.positiontup)
        processors = {}
        for name in set(self._names):
            bind = compiled.binds[name]
            processors[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
        self._processors = tuple(processors[name] for name in self._names)
        #: Values the statement carries itself (SQLite's ``OFFSET 0`` after a LIMIT, say).
        self._fixed = {
            name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
        }
        self.columns = tuple(statement.selected_columns)
        #: The driver's type of each column (asyncpg's type OIDs, which some processors need),
        #: known once the statement has run.
        self._type_codes: list[Any] | None = (
            None if dialect.driver == "asyncpg" else [None] * len(self.columns)
        )
        self._results: tuple[Callable[[Any], Any] | None, ...] | None = None
        self._memoised: list[Callable[[Any], Any]] | None = None

    def processors(self) -> tuple[Callable[[Any], Any] | None, ...]:
        """Each column's result processor: what SQLAlchemy calls on the driver's value of it.
        Known once the statement has run; made once."""
        if self._results is None:
            if self._type_codes is None:
                raise Unprepared("the statement has not run yet")
            self._results = tuple(
                column.type.dialect_impl(self.dialect).result_processor(self.dialect, code)
                for column, code in zip(self.columns, self._type_codes, strict=True)
            )
        return self._results

    def memoised_processors(self) -> list[Callable[[Any], Any]]:
        """Each column's result processor (``processors``), its results remembered across the
        statement's runs (``memoised``): for reads whose values repeat from call to call."""
        if self._memoised is None:
            self._memoised = [memoised(process) for process in self.processors()]
        return self._memoised

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        """The values in the statement's order, each bound as SQLAlchemy binds it."""
        given = {**self._fixed, **values} if self._fixed else values
        return [
            given[name] if process is None else process(given[name])
            for name, process in zip(self._names, self._processors, strict=True)
        ]

    async def rows(self, engine: AsyncEngine, values: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """The rows for these values, each a sequence of the driver's values in column order."""
        if self.dialect.driver == "asyncpg":
            return await self._asyncpg_rows(engine, self.parameters(values))
        async with engine.connect() as connection:
            return await self.run(connection, values)

    async def _asyncpg_rows(self, engine: AsyncEngine, parameters: list[Any]) -> Sequence[Sequence[Any]]:
        """The statement on the pool's own connection, checked out and in as SQLAlchemy's
        ``Connection`` takes it (the pool's checkout check included) but without that object: its
        set-up, its isolation level set and reset, and its close in a task of its own cost more than
        a dashboard's small query. asyncpg runs the statement outside any transaction, as the
        reader's autocommit does; the check-in has nothing to roll back, so it awaits nothing (the
        read pool closes no connection on its return, ``create_read_engine``)."""
        pooled = await greenlet_spawn(engine.sync_engine.raw_connection)
        try:
            return await self._fetch(pooled.driver_connection, parameters)
        finally:
            await greenlet_spawn(pooled.close)

    async def run(self, connection: AsyncConnection, values: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """``rows`` on a connection already checked out, for a read of several statements."""
        raw = await connection.get_raw_connection()
        return await self._fetch(raw.driver_connection, self.parameters(values))

    async def _fetch(self, driver: Any, parameters: list[Any]) -> Sequence[Sequence[Any]]:
        """The rows from the driver's own connection; on asyncpg the first run prepares the
        statement, to learn its columns' types."""
        if self._type_codes is None:
            statement = await driver.prepare(self.sql)
            self._type_codes = [attribute.type.oid for attribute in statement.get_attributes()]
            found: Sequence[Sequence[Any]] = await statement.fetch(*parameters)
        elif self.dialect.driver == "asyncpg":
            found = await driver.fetch(self.sql, *parameters)
        else:
            found = await driver.execute_fetchall(self.sql, parameters)
        return found


#: How many statements a ``Statements`` keeps prepared (a shape per length of each list a filter
#: has) before it forgets them all at once.
STATEMENTS = 256


class Statements(Generic[S, T]):
    """One statement for each shape of a read (``build`` makes it: a shape is whatever the SQL
    depends on, such as how many values each list of a filter has), prepared once per dialect and
    driver and kept, up to ``limit`` shapes, then forgotten all at once.

    ``prepared`` gives None where SQLAlchemy must run the statement: a driver with no raw path, or
    an engine that translates schemas (a shadow rebuild's tables, which only SQLAlchemy names);
    the caller then runs ``built(shape)``, the same statement, through SQLAlchemy.

    With ``make``, ``maker`` turns a prepared statement's rows into ``make``'s objects: each of
    the row's columns (all but the last where it is ``counted``, the filter's count beside each
    row) converted as SQLAlchemy converts it, once per distinct value, and each object made once
    for the same values across reads (``made_once``: the dashboards read the same rows on every
    refresh)."""

    __slots__ = ("_build", "_counted", "_kept", "_limit", "_make", "_makers")

    def __init__(
        self,
        build: Callable[[S], Select[Any]],
        make: Callable[..., T] | None = None,
        *,
        counted: bool = False,
        limit: int = STATEMENTS,
    ) -> None:
        self._build, self._make, self._counted, self._limit = build, make, counted, limit
        self._kept: dict[tuple[str, str, S], Prepared | None] = {}
        self._makers: dict[Prepared, Callable[[Sequence[Any]], T]] = {}

    def built(self, shape: S) -> Select[Any]:
        """The statement of ``shape`` as SQLAlchemy runs it."""
        return self._build(shape)

    def prepared(self, engine: AsyncEngine, shape: S) -> Prepared | None:
        """The statement of ``shape`` prepared for ``engine``; None where SQLAlchemy runs it."""
        if engine.get_execution_options().get("schema_translate_map"):
            return None
        key = (engine.dialect.name, engine.dialect.driver, shape)
        try:
            return self._kept[key]
        except KeyError:
            pass
        try:
            prepared: Prepared | None = Prepared(self._build(shape), engine.dialect)
        except Unprepared:
            prepared = None
        if len(self._kept) >= self._limit:
            self._kept.clear()
            self._makers.clear()
        self._kept[key] = prepared
        return prepared

    async def objects(self, engine: AsyncEngine, shape: S, values: Mapping[str, Any]) -> list[T]:
        """The statement of ``shape`` for ``values``, each row made into ``make``'s object:
        prepared where it can be, else through SQLAlchemy (the same objects either way)."""
        prepared = self.prepared(engine, shape)
        if prepared is None:
            if self._make is None:
                raise TypeError("these statements were given nothing to make of their rows")
            async with engine.connect() as conn:
                found = (await conn.execute(self.built(shape), dict(values))).all()
            make, end = self._make, -1 if self._counted else None
            return [make(*row[:end]) for row in found]
        rows = await prepared.rows(engine, values)
        made = self.maker(prepared)  # once the statement has run: asyncpg's types are known
        return [made(row) for row in rows]

    def maker(self, prepared: Prepared) -> Callable[[Sequence[Any]], T]:
        """A row of ``prepared`` (once it has run) to ``make``'s object of it, made once."""
        found = self._makers.get(prepared)
        if found is None:
            if self._make is None:
                raise TypeError("these statements were given nothing to make of their rows")
            found = self._makers[prepared] = row_maker(prepared, self._make, counted=self._counted)
        return found


def row_maker(
    prepared: Prepared, make: Callable[..., T], *, counted: bool = False
) -> Callable[[Sequence[Any]], T]:
    """``make`` of each row of ``prepared`` (once it has run): its columns' values, all but the
    last where it is ``counted``, each converted by the column's result processor once per distinct
    value (only the columns that have one: most of a wide row is read as the driver gives it), and
    the object made once for the same values across reads (``made_once``)."""
    width = len(prepared.columns) - 1 if counted else len(prepared.columns)
    processors, memos = prepared.processors(), prepared.memoised_processors()
    convert = [(at, memos[at]) for at in range(width) if processors[at] is not None]

    def made(row: Sequence[Any]) -> T:
        values = list(row)
        for at, process in convert:
            values[at] = process(values[at])
        return make(*values)

    remembered = memoised(made)
    if counted:
        return lambda row: remembered(tuple(row[:-1]))
    return lambda row: remembered(tuple(row))


def fixed_in(column: Any, name: str, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values`` with each value a parameter the statement carries (``name_0``, ...): a
    list fixed in the statement, where SQLAlchemy's expanding list could not be prepared."""
    listed: ColumnElement[bool] = column.in_(
        [bindparam(f"{name}_{j}", v, type_=column.type) for j, v in enumerate(values)]
    )
    return listed


def once_per_value(process: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """A column's result processor, called once per distinct value it is given and remembered (for
    the rows of one read, whose values repeat); values as they come where it has none."""
    if process is None:
        return _as_it_is
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            converted = seen[value] = process(value)
            return converted

    return convert


def _as_it_is(value: Any) -> Any:
    return value


#: How many rows (or values) a memo made by ``made_once`` or ``memoised`` keeps before it forgets
#: them all at once.
REMEMBERED = 4096


def made_once(make: Callable[[Sequence[Any]], T], limit: int = REMEMBERED) -> Callable[[Sequence[Any]], T]:
    """``make`` of a statement's row (the driver's values, given to it as a tuple), remembered by
    the row's values across reads: the dashboards read the same rows on every refresh, and what is
    made of them (a frozen row, an offer's line) depends on those values alone. Forgotten all at
    once past ``limit``."""
    remembered = memoised(make, limit)
    return lambda row: remembered(tuple(row))


def memoised(process: Callable[[Any], Any] | None, limit: int = REMEMBERED) -> Callable[[Any], Any]:
    """``process``, its results remembered per distinct value across reads (a column's result
    processor, whose values repeat); forgotten all at once past ``limit``. A value that cannot be
    a key is processed each time; with no ``process``, values as they come."""
    if process is None:
        return _as_it_is
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            if len(memo) >= limit:
                memo.clear()
            made = memo[value] = process(value)
            return made
        except TypeError:
            return process(value)

    return convert
