"""A batch's rows of one table, held in memory by primary key: read from the database the first
time the batch asks for one, changed in memory after that, and written once as the batch ends.

A projector that keeps sums (a coverage cell, a flow totals cell) reads and rewrites the same row
for event after event: a catch-up's batch of thousands of events read and wrote a few cells
thousands of times. Held, each row is read at most once and written at most once per batch.

What a held row gives back is what the database would: the values as they read back once written
(``projections.columns.as_written``: exact decimals tidied, text made safe), so that the rows
written are the same, byte for byte, as writing and reading each event's change would leave.
A held row lives only as long as its batch: the projector's ``drop_batch`` forgets them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, Update, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from projections.columns import as_written

Row = dict[str, Any]


class HeldRows:
    """``table``'s rows a batch has touched, by primary key (a tuple of its key columns' values)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._key_names = tuple(column.key for column in table.primary_key.columns)
        self._reads: list[tuple[str, Callable[[Any], Any]]] = [
            (column.key, read) for column in table.columns if (read := as_written(column.type)) is not None
        ]
        self._key_reads = [
            (index, read)
            for index, name in enumerate(self._key_names)
            for column_name, read in self._reads
            if column_name == name
        ]
        self._where = [table.c[name] == bindparam(f"w_{name}") for name in self._key_names]
        self._others = tuple(column.key for column in table.columns if column.key not in self._key_names)
        self._select = select(table).where(*self._where)
        self._delete = delete(table).where(*self._where)
        self._insert = insert(table)
        self._updates: dict[tuple[str, ...], Update] = {}
        self._rows: dict[tuple[Any, ...], Row | None] = {}  # as last written; None: no row
        self._stored: dict[tuple[Any, ...], bool] = {}  # whether the database had the row
        # The columns each changed row writes (None: all of them), in the order first changed.
        self._changed: dict[tuple[Any, ...], set[str] | None] = {}

    def key(self, *values: Any) -> tuple[Any, ...]:
        """The row's key as the database holds it (text made safe, as it is written)."""
        if not self._key_reads:
            return values
        key = list(values)
        for index, read in self._key_reads:
            key[index] = read(key[index])
        return tuple(key)

    async def get(self, conn: AsyncConnection, key: tuple[Any, ...]) -> Row | None:
        """The row as it would read back from the database now; None if there is none."""
        try:
            row = self._rows[key]
        except KeyError:
            found = (await conn.execute(self._select, self._key_values(key))).one_or_none()
            row = None if found is None else found._asdict()
            self._rows[key] = row
            self._stored[key] = row is not None
            return None if row is None else dict(row)
        if row is None:
            return None
        view = dict(row)
        for name, read in self._reads:
            view[name] = read(view[name])
        return view

    def put(self, key: tuple[Any, ...], row: Row) -> None:
        """Write ``row`` (every column) under ``key``, which the batch has read with ``get``."""
        self._rows[key] = row
        self._changed[key] = None

    def add(self, key: tuple[Any, ...], row: Row) -> None:
        """A row the database cannot have yet (its key is new: a request just posted)."""
        self._stored.setdefault(key, False)
        self.put(key, row)

    def change(self, key: tuple[Any, ...], values: Row) -> None:
        """Write ``values`` into the row under ``key``, which the batch has read with ``get``: only
        these columns are written (the others keep the text they have)."""
        row = self._rows[key]
        assert row is not None
        row.update(values)
        if key not in self._changed:
            self._changed[key] = set(values)
        elif (columns := self._changed[key]) is not None:
            columns.update(values)

    def remove(self, key: tuple[Any, ...]) -> None:
        """Delete the row under ``key``, which the batch has read with ``get``."""
        self._rows[key] = None
        self._changed[key] = None

    async def write(self, conn: AsyncConnection) -> None:
        """The batch's changes, each row's last state once: deletions, updates, then insertions."""
        deleted: list[Row] = []
        updated: dict[tuple[str, ...], list[Row]] = {}
        inserted: list[Row] = []
        for key, columns in self._changed.items():
            row, stored = self._rows[key], self._stored[key]
            if row is None:
                if stored:
                    deleted.append(self._key_values(key))
            elif stored:
                names = self._others if columns is None else tuple(n for n in self._others if n in columns)
                values = {name: row[name] for name in names}
                updated.setdefault(names, []).append({**values, **self._key_values(key)})
            else:
                inserted.append(row)
        if deleted:
            await conn.execute(self._delete, deleted)
        for names, rows in updated.items():
            await conn.execute(self._update_of(names), rows)
        if inserted:
            await conn.execute(self._insert, inserted)
        self.clear()

    def clear(self) -> None:
        self._rows.clear()
        self._stored.clear()
        self._changed.clear()

    def _key_values(self, key: tuple[Any, ...]) -> Row:
        return {f"w_{name}": value for name, value in zip(self._key_names, key, strict=True)}

    def _update_of(self, names: tuple[str, ...]) -> Update:
        """The UPDATE of these columns, built once per set of them."""
        statement = self._updates.get(names)
        if statement is None:
            values: dict[str, Any] = {name: bindparam(name) for name in names}
            statement = self._updates[names] = update(self.table).where(*self._where).values(values)
        return statement
