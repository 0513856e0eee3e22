"""Reading the ``organisations`` read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.organisations.tables import organisations
from projections.querying import by_ids


@dataclass(frozen=True)
class OrganisationRow:
    id: UUID
    name: str
    organisation_type: str
    hxl_name: str
    member_state: str | None
    iati_identifier: str | None
    suspended: bool
    registered_at: datetime
    updated_at: datetime
    registered_position: int


_o = organisations.c
_ORGANISATION_COLUMNS = [getattr(_o, name) for name in OrganisationRow.__dataclass_fields__]


async def get_organisation(engine: AsyncEngine, organisation_id: UUID) -> OrganisationRow | None:
    async with engine.connect() as conn:
        query = select(*_ORGANISATION_COLUMNS).where(_o.id == organisation_id)
        row = (await conn.execute(query)).first()
    return None if row is None else OrganisationRow(*row)


async def list_organisations(
    engine: AsyncEngine, *, first: int, after: int | None
) -> tuple[list[OrganisationRow], bool, int]:
    """By registration order; ``after`` is a registration position. Rows, has-next, total."""
    query = select(*_ORGANISATION_COLUMNS).order_by(_o.registered_position).limit(first + 1)
    if after is not None:
        query = query.where(_o.registered_position > after)
    async with engine.connect() as conn:
        rows = [OrganisationRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(select(func.count()).select_from(organisations)) or 0)
    return rows[:first], len(rows) > first, total


async def organisations_by_id(engine: AsyncEngine, ids: Sequence[UUID]) -> dict[UUID, OrganisationRow]:
    return await by_ids(engine, organisations, OrganisationRow, ids)
