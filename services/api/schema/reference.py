"""Reference data over GraphQL: the shared item list and OCHA's admin areas."""

from __future__ import annotations

import strawberry

from domain import codes, gazetteer
from domain.items import ITEMS
from services.api.schema.scalars import (
    MemberState,
    Sector,
)


@strawberry.type(description="An item of the shared list that needs and offers are counted in.")
class Item:
    code: str
    name: str
    sector: Sector
    unit: str


@strawberry.type(
    description="An admin area of a member state as OCHA's COD gazetteer names it (admin-1 or admin-2)."
)
class AdminArea:
    code: str = strawberry.field(description="its P-code, what a need or a safe haven records")
    name: str
    level: int = strawberry.field(description="1 (region, province or state) or 2 (the level below)")
    parent_code: str | None = strawberry.field(description="an admin-2 area's admin-1 P-code")
    parent_name: str | None


@strawberry.type
class ReferenceQuery:
    @strawberry.field(description="The shared item list that needs and offers are counted in.")
    def items(self, sector: Sector | None = None) -> list[Item]:
        return [
            Item(code=i.code, name=i.name, sector=i.sector, unit=i.unit)
            for i in ITEMS.values()
            if sector is None or i.sector is sector
        ]

    @strawberry.field(
        description="A member state's admin areas from OCHA's COD gazetteer, admin-1 each followed by "
        "its admin-2 areas; empty for a state without one (Brunei Darussalam, Singapore)."
    )
    def admin_areas(self, member_state: MemberState) -> list[AdminArea]:
        listed = gazetteer.areas_of(codes.MemberState(member_state))
        names = {a.code: a.name for a in listed if a.level == 1}
        order = {code: index for index, code in enumerate(names)}
        ranked = sorted(listed, key=lambda a: (order.get(a.parent or a.code, len(order)), a.level))
        return [
            AdminArea(
                code=a.code,
                name=a.name,
                level=a.level,
                parent_code=a.parent,
                parent_name=names.get(a.parent) if a.parent else None,
            )
            for a in ranked
        ]
