"""The risk level of an area, derived from the open security incidents read model."""

from __future__ import annotations

import strawberry

from domain import codes, security
from services.api.schema.context import Info

strawberry.enum(security.RiskLevel, name="RiskLevel", description="UN Security Level System levels")
RiskLevel = security.RiskLevel


async def area_risk(info: Info, member_state: codes.MemberState, admin_code: str) -> RiskLevel:
    """One query per member state per HTTP request, whatever the number of areas asked about, and
    each area's risk derived once (the incidents the loader read do not change within the request)."""
    loaders = info.context.loaders
    incidents = await loaders.open_incidents.load(member_state.value)
    key = (member_state.value, admin_code)
    risk = loaders.area_risks.get(key)
    if risk is None:
        risk = security.risk_at(admin_code, [(code, RiskLevel(severity)) for code, severity in incidents])
        loaders.area_risks[key] = risk
    return risk
