"""Coverage of needs over GraphQL: requested, committed, delivered and the gap."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain import codes
from projections.coverage import queries as coverage_queries
from services.api.schema.context import Info
from services.api.schema.scalars import (
    CoverageGroup,
    MemberState,
    Sector,
    parse_id,
)


@strawberry.type(description="Coverage of needs in one group: requested, committed, delivered, gap.")
class CoverageRow:
    member_state: MemberState | None
    sector: Sector | None
    requests: int
    requested: Decimal
    committed: Decimal
    delivered: Decimal
    gap: Decimal


@strawberry.type
class CoverageQuery:
    @strawberry.field(
        description=(
            "Requested, committed and delivered per member state and/or sector, and the gap "
            "(cancelled requests left out; committed and delivered counted up to what was requested)."
        )
    )
    async def coverage(
        self,
        info: Info,
        crisis: strawberry.ID | None = None,
        group_by: list[CoverageGroup] | None = None,
    ) -> list[CoverageRow]:
        groups = set(group_by or [CoverageGroup.STATE, CoverageGroup.SECTOR])
        rows = await coverage_queries.coverage(
            info.context.runtime.query_engine,
            parse_id(crisis, "crisis") if crisis else None,
            by_state=CoverageGroup.STATE in groups,
            by_sector=CoverageGroup.SECTOR in groups,
        )
        return [
            CoverageRow(
                member_state=codes.MemberState(r.member_state) if r.member_state else None,
                sector=codes.Sector(r.sector) if r.sector else None,
                requests=r.requests,
                requested=r.requested,
                committed=r.committed,
                delivered=r.delivered,
                gap=r.gap,
            )
            for r in rows
        ]
