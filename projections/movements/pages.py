"""Movements a page at a time, in the order they were planned: a page reads its own rows by index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.movements.queries import MovementRow
from projections.movements.tables import movements
from projections.querying import within

_m = movements.c


@dataclass(frozen=True)
class MovementFilter:
    crisis_ids: Sequence[UUID] = ()
    member_states: Sequence[str] = ()  # leaving or reaching
    statuses: Sequence[str] = ()
    kinds: Sequence[str] = ()
    areas: Sequence[str] = ()  # destination admin areas, or everywhere


def _conditions(where: MovementFilter) -> list[Any]:
    conditions: list[Any] = [
        column.in_(values)
        for column, values in (
            (_m.crisis_id, where.crisis_ids),
            (_m.status, where.statuses),
            (_m.kind, where.kinds),
        )
        if values
    ]
    conditions += within(_m.destination_admin_code, where.areas)
    if where.member_states:
        states = where.member_states
        conditions.append(or_(_m.destination_state.in_(states), _m.origin_country.in_(states)))
    return conditions


async def movement_page(
    engine: AsyncEngine, where: MovementFilter, *, first: int, after: int | None
) -> tuple[list[tuple[int, MovementRow]], bool, int]:
    """Up to ``first`` movements planned after position ``after``, whether more follow, how many in all."""
    conditions = _conditions(where)
    columns = [_m[name] for name in MovementRow.__dataclass_fields__]
    query = select(_m.planned_position, *columns).where(*conditions).order_by(_m.planned_position)
    if after is not None:
        query = query.where(_m.planned_position > after)
    async with engine.connect() as conn:
        rows = [(row[0], MovementRow(*row[1:])) for row in await conn.execute(query.limit(first + 1))]
        total = int(await conn.scalar(select(func.count()).select_from(movements).where(*conditions)) or 0)
    return rows[:first], len(rows) > first, total
