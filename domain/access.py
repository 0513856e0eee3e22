"""Who acts in Concord, and the record of who did what that every event carries."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.Enum):
    """The four kinds of principal the Plan of Action's assistance involves."""

    COORDINATOR = "coordinator"  # relief coordinator of one member state
    DONOR = "donor"  # of one organisation: member state, dialogue partner, UN agency, NGO, …
    SECRETARIAT = "secretariat"  # matches, allocates, registers organisations, reads everything
    VIEWER = "viewer"  # dashboards: read-only, aggregated, non-sensitive


@dataclass(frozen=True)
class Actor:
    """Audit metadata of one change: who, in which role and scope, within which request."""

    principal: str
    role: str
    scope: str
    member_state: str | None = None
    organisation_id: str | None = None
    correlation_id: str | None = None
    idempotency_key: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "principal": self.principal,
            "role": self.role,
            "scope": self.scope,
            "member_state": self.member_state,
            "organisation_id": self.organisation_id,
            "correlation_id": self.correlation_id,
            "idempotency_key": self.idempotency_key,
        }


SYSTEM = Actor(principal="system", role="system", scope="any")
