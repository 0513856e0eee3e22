"""Batched writes for a projection batch: single-row INSERTs are held and sent as one executemany.

A projector writes one event at a time (``insert(table).values(...)``), which costs a round trip
per event. Within one batch's transaction, consecutive plain inserts into the same table with the
same columns are held back and sent together the moment anything else is executed (a read that
might need them, an update, the tracking row), so every statement still sees the rows before it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter


class BatchedWrites:
    """Stands in for the batch's connection: ``execute`` and ``scalar``, as projectors use them."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._table: Table | None = None
        self._columns: tuple[str, ...] = ()
        self._rows: list[dict[str, Any]] = []

    @property
    def dialect(self) -> Any:
        return self._conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Result[Any] | None:
        rows = _rows_of(statement, parameters)
        if rows is None:
            await self.flush()
            return await self._conn.execute(statement, parameters)
        for row in rows:
            table, columns = statement.table, tuple(row)
            if self._rows and (table is not self._table or columns != self._columns):
                await self.flush()
            self._table, self._columns = table, columns
            self._rows.append(row)
        return None

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        await self.flush()
        return await self._conn.scalar(statement, parameters)

    async def flush(self) -> None:
        if not self._rows:
            return
        assert self._table is not None
        rows, self._rows = self._rows, []
        await self._conn.execute(insert(self._table), rows)


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
