"""Movements a page at a time, in the order they were planned: a page reads its own rows by index.

``page_statement`` is the same page as one statement with bind parameters, for a caller that
prepares it once per shape of filter (services.api.schema.movement_rows)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Integer, Select, bindparam, func, or_, select
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


#: The column each list of the filter is matched against (``member_states`` also the origin's).
_FILTERED_COLUMN = {
    "crisis_ids": _m.crisis_id,
    "member_states": _m.destination_state,
    "statuses": _m.status,
    "kinds": _m.kind,
}


def page_shape(where: MovementFilter) -> Hashable:
    """What the page statement of ``where`` depends on: how many values each list has."""
    return tuple(len(getattr(where, f.name)) for f in fields(where))


def page_statement(where: MovementFilter, columns: Sequence[str], *, after: bool, rows: bool) -> Select:  # type: ignore[type-arg]
    """``movement_page``'s page as one statement with bind parameters (``page_values`` names their
    values), the same for every filter of ``where``'s shape. Its rows are the page's (``first`` + 1
    of them), each its ``planned_position``, the ``columns`` and the filter's count; without
    ``rows``, the count alone. Areas are matched by prefix (LIKE), not bound: no statement for them."""
    if where.areas:
        msg = "an area filter is matched by prefix: its page is not bound"
        raise ValueError(msg)
    placeholders: dict[str, Any] = {
        name: tuple(bindparam(f"{name}_{i}", type_=column.type) for i in range(len(getattr(where, name))))
        for name, column in _FILTERED_COLUMN.items()
    }
    bound = replace(where, **placeholders)
    conditions = _conditions(bound)
    counting = select(func.count()).select_from(movements).where(*conditions)
    if not rows:
        return counting
    page = select(_m.planned_position, *(_m[name] for name in columns)).where(*conditions)
    page = page.add_columns(counting.scalar_subquery().label("total_count"))
    if after:
        page = page.where(_m.planned_position > bindparam("after", type_=BigInteger))
    return page.order_by(_m.planned_position).limit(bindparam("limit", type_=Integer))


def page_values(where: MovementFilter, *, first: int, after: int | None) -> dict[str, Any]:
    """The values of ``page_statement``'s bind parameters for this filter and page."""
    values: dict[str, Any] = {"limit": first + 1, "after": after}
    for name in _FILTERED_COLUMN:
        values.update((f"{name}_{i}", each) for i, each in enumerate(getattr(where, name)))
    return values
