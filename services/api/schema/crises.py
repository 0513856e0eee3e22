"""Crises over GraphQL: every request, offer and movement belongs to one."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain import codes, crises
from domain.crises import Crisis as CrisisAggregate
from projections.crises import queries as crisis_queries
from projections.crises.queries import CrisisRow
from services.api.schema import history
from services.api.schema.context import Info
from services.api.schema.history import HISTORY, History, read_history
from services.api.schema.history_types import ChangeConnection
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import MAX_PAGE
from services.api.schema.scalars import (
    CrisisPhase,
    LogPosition,
    MemberState,
    parse_id,
)
from services.coordination import Recorded
from services.errors import NotFound


@strawberry.type(description="A crisis: every request, offer and movement belongs to one.")
class Crisis:
    id: strawberry.ID
    name: str
    affected_states: list[MemberState]
    start_date: date
    phase: CrisisPhase

    @classmethod
    def from_row(cls, row: CrisisRow) -> Crisis:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            affected_states=[codes.MemberState(s) for s in row.affected_states.split(",") if s],
            start_date=row.start_date,
            phase=crises.CrisisPhase(row.phase),
        )

    @strawberry.field(description=HISTORY)
    async def history(self, info: Info, first: int = MAX_PAGE, after: str | None = None) -> ChangeConnection:
        page: ChangeConnection = await read_history(info, CRISIS_HISTORY, self.id, first, after)
        return page

    @classmethod
    def from_aggregate(cls, crisis: CrisisAggregate) -> Crisis:
        return cls(
            id=strawberry.ID(str(crisis.id)),
            name=crisis.name,
            affected_states=list(crisis.affected_states),
            start_date=crisis.start_date,
            phase=crisis.phase,
        )


CRISIS_HISTORY = History(CrisisAggregate, "crisis", Crisis.from_aggregate)


@strawberry.type
class CrisisPayload:
    crisis: Crisis
    position: LogPosition


@strawberry.input
class OpenCrisisInput:
    name: str
    affected_states: list[MemberState]
    start_date: date
    phase: CrisisPhase = CrisisPhase.ACTIVE_RESPONSE
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class ChangeCrisisPhaseInput:
    id: strawberry.ID
    phase: CrisisPhase
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.input
class CloseCrisisInput:
    id: strawberry.ID
    idempotency_key: str | None = IDEMPOTENCY_KEY


def _crisis(recorded: Recorded[crises.Crisis]) -> CrisisPayload:
    return CrisisPayload(
        crisis=Crisis.from_aggregate(recorded.aggregate), position=LogPosition(recorded.position)
    )


@strawberry.type
class CrisisQuery:
    @strawberry.field(description="Crises, newest first; closed ones only when asked for.")
    async def crises(self, info: Info, include_closed: bool = False) -> list[Crisis]:
        rows = await crisis_queries.list_crises(
            info.context.runtime.query_engine, include_closed=include_closed
        )
        return [Crisis.from_row(row) for row in rows]

    @strawberry.field(description=history.one("crisis"))
    async def crisis(self, info: Info, id: strawberry.ID, as_of: datetime | None = None) -> Crisis | None:
        crisis_id = parse_id(id)
        if as_of is not None:
            return await history.as_of(info, CRISIS_HISTORY, crisis_id, as_of)
        row = await info.context.loaders.crisis.load(crisis_id)
        if row is None:
            raise NotFound("crisis", crisis_id)
        return Crisis.from_row(row)


@strawberry.type
class CrisisMutation:
    @strawberry.mutation(description="Open a crisis (secretariat).")
    async def open_crisis(self, info: Info, input: OpenCrisisInput) -> CrisisPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.open_crisis,
            c.command(input.idempotency_key),
            input.name,
            [codes.MemberState(s) for s in input.affected_states],
            input.start_date,
            crises.CrisisPhase(input.phase),
        )
        return _crisis(recorded)

    @strawberry.mutation(description="Move a crisis to another phase (secretariat).")
    async def change_crisis_phase(self, info: Info, input: ChangeCrisisPhaseInput) -> CrisisPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.change_crisis_phase,
            c.command(input.idempotency_key),
            parse_id(input.id),
            crises.CrisisPhase(input.phase),
        )
        return _crisis(recorded)

    @strawberry.mutation(description="Close a crisis: no new requests or offers (secretariat).")
    async def close_crisis(self, info: Info, input: CloseCrisisInput) -> CrisisPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.change_crisis_phase,
            c.command(input.idempotency_key),
            parse_id(input.id),
            crises.CrisisPhase.CLOSED,
        )
        return _crisis(recorded)
