"""The object types of any object's history: a change, who made it, what changed, and their pages.
How an aggregate's events become these is in services.api.schema.history."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access import Actor as ActorRecord
from services.api.schema.paging import PageInfo
from services.identity.access import Owner


@strawberry.type(description="Who made a change: audit metadata recorded with every event.")
class Actor:
    principal: str
    role: str
    scope: str
    member_state: str | None
    organisation_id: str | None
    correlation_id: str | None
    idempotency_key: str | None

    @classmethod
    def of(cls, actor: ActorRecord) -> Actor:
        return cls(
            principal=actor.principal,
            role=actor.role,
            scope=actor.scope,
            member_state=actor.member_state,
            organisation_id=actor.organisation_id,
            correlation_id=actor.correlation_id,
            idempotency_key=actor.idempotency_key,
        )


@strawberry.type
class FieldChange:
    field: str
    before: str | None
    after: str | None


@strawberry.type(
    description=(
        "One event in the life of an object: when, what changed, and who (for the object's own "
        "state or organisation and the secretariat; null for others)."
    )
)
class Change:
    at: datetime
    version: int = strawberry.field(description="the object's version after the change")
    event: str
    actor: Actor | None
    changes: list[FieldChange]
    policy_owners: strawberry.Private[list[Owner]]


@strawberry.type
class ChangeEdge:
    cursor: str
    node: Change


@strawberry.type(description="A page of an object's changes, oldest first (a Relay connection).")
class ChangeConnection:
    edges: list[ChangeEdge]
    page_info: PageInfo
    total_count: int
