"""A projection that fails on an event, as its tracking row tells every process: the last error,
since when it fails, and how many times it has failed (for /readyz, ``concord status``, /metrics).

The follower that runs it writes the failure as it sets the projection aside (to retry it after a
back-off) and clears it once the projection writes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.tables import projection_tracking

ERROR_MAX = 1000


@dataclass(frozen=True)
class Tracked:
    """A projection's tracking row: its position and whether it fails."""

    position: int
    error: str | None  # None: not failing now
    since: datetime | None  # the first failure of the current run of failures
    failures: int  # every failure since the tracking row was made


def describe(error: BaseException) -> str:
    """What an operator reads: the kind of error and its message, first line only, bounded."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    said = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return said[:ERROR_MAX]


async def record_failure(engine: AsyncEngine, projection: str, error: BaseException) -> None:
    column = projection_tracking.c
    async with engine.begin() as conn:
        await conn.execute(
            update(projection_tracking)
            .where(column.projection == projection)
            .values(
                error=describe(error),
                failing_since=_since_first_failure(),
                failures=column.failures + 1,
            )
        )


async def clear_failure(engine: AsyncEngine, projection: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(projection_tracking)
            .where(projection_tracking.c.projection == projection)
            .values(error=None, failing_since=None)
        )


async def tracking_rows(engine: AsyncEngine) -> dict[str, Tracked]:
    column = projection_tracking.c
    query = select(column.projection, column.position, column.error, column.failing_since, column.failures)
    async with engine.connect() as conn:
        rows = await conn.execute(query)
        return {name: Tracked(int(at), error, since, int(n or 0)) for name, at, error, since, n in rows}


def _since_first_failure() -> ColumnElement[datetime]:
    """The time of the first failure of a run of failures, kept while it goes on."""
    since = projection_tracking.c.failing_since
    return func.coalesce(since, bindparam("now", datetime.now(UTC), type_=since.type))
