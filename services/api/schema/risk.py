"""The risk level of an area, derived from the open security incidents read model."""

from __future__ import annotations

import strawberry

from domain import codes, security
from services.api.schema.context import Info

strawberry.enum(security.RiskLevel, name="RiskLevel", description="UN Security Level System levels")
RiskLevel = security.RiskLevel


async def area_risk(info: Info, member_state: codes.MemberState, admin_code: str) -> RiskLevel:
    """One query per member state per HTTP request, whatever the number of areas asked about."""
    incidents = await info.context.loaders.open_incidents.load(member_state.value)
    return security.risk_at(admin_code, [(code, RiskLevel(severity)) for code, severity in incidents])
