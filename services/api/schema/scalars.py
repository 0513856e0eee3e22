"""Scalars and enumerations of the GraphQL contract."""

from __future__ import annotations

import enum
from typing import NewType
from uuid import UUID

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain import access, codes, crises, matches, offers, organisations, requests
from services.api.problems import BadInput
from services.identity.policy import Scope

# strawberry.enum marks the domain's own enums, so resolvers use the domain values as they are.
strawberry.enum(
    codes.MemberState,
    name="MemberState",
    description="ASEAN member state, by ISO 3166-1 alpha-3 code",
)
strawberry.enum(
    codes.Sector,
    name="Sector",
    description=(
        "IASC cluster code as used by HXL #sector (PRO_GBV is PRO-GBV, …), plus the "
        "peace-building sectors of annex V.2 of the ASEAN Security Community Plan of Action"
    ),
)
strawberry.enum(requests.RequestStatus, name="RequestStatus")
strawberry.enum(access.Role, name="Role")
strawberry.enum(
    organisations.OrganisationType,
    name="OrganisationType",
    description="Kinds of organisation, as OCHA FTS and IATI tell donors and implementers apart",
)
Role = access.Role
strawberry.enum(
    Scope,
    name="AccessScope",
    description=(
        "Over what a role may use an entry of the access policy: its own member state's objects, its own "
        "organisation's, what it made itself (its API keys), or any"
    ),
)
AccessScope = Scope
OrganisationType = organisations.OrganisationType
strawberry.enum(crises.CrisisPhase, name="CrisisPhase", description="Phases of the ASEAN joint response plan")
strawberry.enum(offers.OfferStatus, name="OfferStatus")
strawberry.enum(offers.DeliveryMode, name="DeliveryMode")
strawberry.enum(matches.MatchStatus, name="MatchStatus")
CrisisPhase = crises.CrisisPhase
OfferStatus = offers.OfferStatus
DeliveryMode = offers.DeliveryMode
MatchStatus = matches.MatchStatus


@strawberry.enum(description="How a list of requests is ordered")
class RequestOrder(enum.Enum):
    NEWEST = "newest"
    PRIORITY = "priority"  # highest priority first, then soonest needed
    URGENCY = "urgency"  # soonest needed first, then highest priority


@strawberry.enum
class CoverageGroup(enum.Enum):
    STATE = "state"
    SECTOR = "sector"


MemberState = codes.MemberState
Sector = codes.Sector
RequestStatus = requests.RequestStatus

LogPosition = NewType("LogPosition", int)

SCALARS: dict[object, ScalarDefinition] = {
    LogPosition: strawberry.scalar(
        name="LogPosition",
        serialize=int,
        parse_value=int,
        description=(
            "Position of an event in Concord's log. Send it back in the Concord-Consistent-With "
            "header to read your own writes."
        ),
    ),
}


def id_of(value: object) -> strawberry.ID:
    """A read model's id (a UUID, or its text) as the schema's ID: for the rows' ``ROW_FIELDS``."""
    return strawberry.ID(str(value))


def parse_id(value: strawberry.ID, field: str = "id") -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise BadInput(field, f"{value!r} is not a Concord id") from None
