"""What every read model's queries share: ids in batches, areas by P-code prefix, rows by id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

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
    """Rows of ``table`` for ``ids``, one query per batch of ids (the DataLoaders' batch function)."""
    if not ids:
        return {}
    columns = [table.c[name] for name in row_type.__dataclass_fields__]  # type: ignore[attr-defined]
    found: dict[UUID, T] = {}
    async with engine.connect() as conn:
        for batch in in_batches(ids):
            rows = await conn.execute(select(*columns).where(table.c.id.in_(batch)))
            found.update({row.id: row_type(*row) for row in rows})
    return found


def among(column: Any, values: Sequence[Any]) -> list[Any]:
    """Rows whose ``column`` is any of ``values``; no condition for no values."""
    return [column.in_(list(values))] if values else []
