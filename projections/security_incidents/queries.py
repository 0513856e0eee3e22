"""Reading the ``security_incidents`` read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.querying import among, within
from projections.security_incidents.tables import security_incidents


@dataclass(frozen=True)
class IncidentRow:
    id: UUID
    crisis_id: UUID | None
    member_state: str
    admin_code: str
    admin1: str
    occurred_on: date
    kind: str
    severity: str
    status: str
    description: str
    affected_organisations: list[str]


async def list_incidents(
    engine: AsyncEngine,
    *,
    crisis_ids: Sequence[UUID] = (),
    member_states: Sequence[str] = (),
    statuses: Sequence[str] = (),
    areas: Sequence[str] = (),
) -> list[IncidentRow]:
    i = security_incidents.c
    conditions = [
        *among(i.crisis_id, crisis_ids),
        *among(i.member_state, member_states),
        *among(i.status, statuses),
        *within(i.admin_code, areas),
    ]
    columns = [i[name] for name in IncidentRow.__dataclass_fields__]
    async with engine.connect() as conn:
        query = select(*columns).where(*conditions).order_by(i.reported_position.desc())
        return [IncidentRow(*row) for row in await conn.execute(query)]


async def open_incidents_by_state(
    engine: AsyncEngine, states: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    """Each state's open incidents as (P-code, severity): what the risk of an area is derived from."""
    i = security_incidents.c
    found: dict[str, list[tuple[str, str]]] = {state: [] for state in states}
    async with engine.connect() as conn:
        query = select(i.member_state, i.admin_code, i.severity).where(
            i.status == "open", i.member_state.in_(list(states))
        )
        for state, code, severity in await conn.execute(query):
            found[state].append((code, severity))
    return found
