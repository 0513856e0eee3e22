"""The caller over GraphQL, as Concord knows it from its credentials."""

from __future__ import annotations

import strawberry

from services.api.schema.context import Info
from services.api.schema.scalars import (
    AccessScope,
    MemberState,
    Role,
)
from services.identity.access import permissions


@strawberry.type(description="An entry of the access policy the caller's role may use, and over what.")
class Permission:
    operation: str = strawberry.field(
        description="As the policy table names it: query.coverage, mutation.postRequest, POST /imports/offers"
    )
    scope: AccessScope


@strawberry.type(description="The caller, as Concord knows it from its credentials.")
class Me:
    subject: str
    role: Role
    member_state: MemberState | None
    organisation_id: strawberry.ID | None
    permissions: list[Permission] = strawberry.field(
        description=(
            "What the caller's role may use, so that a page offers only that; each use is decided "
            "again, for the objects it touches."
        )
    )


@strawberry.type
class MeQuery:
    @strawberry.field(description="The caller, as its credentials name it.")
    def me(self, info: Info) -> Me:
        principal = info.context.principal
        organisation = principal.organisation_id
        return Me(
            subject=principal.subject,
            role=principal.role,
            member_state=principal.member_state,
            organisation_id=strawberry.ID(str(organisation)) if organisation else None,
            permissions=[
                Permission(operation=operation, scope=scope)
                for operation, scope in permissions(principal).items()
            ],
        )
