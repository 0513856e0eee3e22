"""API keys over GraphQL: a signed-in person issues keys for their own integrations, lists and
revokes them; the secretariat lists and revokes any. The secret is in the issuing answer only."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access import Actor as ActorRecord
from projections.api_keys.queries import ApiKeyRow, Issuer, list_api_keys
from services.api.schema.context import Info
from services.api.schema.idempotency import IDEMPOTENCY_KEY
from services.api.schema.paging import PageInfo, check_first, decode_cursor, encode_cursor, page_info
from services.api.schema.scalars import LogPosition, MemberState, Role, parse_id
from services.identity.access import Principal, authorise
from services.identity.policy import Scope
from services.identity.service_accounts import KEY_PREFIX, ServiceAccount


@strawberry.type(description="A service-account API key, as its issuer and the secretariat see it.")
class ApiKey:
    id: strawberry.ID
    name: str
    role: Role = strawberry.field(description="the key acts in this role, as its issuer does")
    member_state: MemberState | None
    organisation_id: strawberry.ID | None
    key_hint: str = strawberry.field(
        description=f"how the key ends, e.g. {KEY_PREFIX}…x7Qa: the key itself is shown once, when issued"
    )
    issued_by: str = strawberry.field(description="the subject of whoever issued it")
    issued_at: datetime
    revoked_at: datetime | None
    mine: bool = strawberry.field(description="whether the caller issued it")

    @classmethod
    def from_aggregate(cls, account: ServiceAccount, principal: Principal) -> ApiKey:
        issuer: ActorRecord = account.issued_by
        return cls(
            id=strawberry.ID(str(account.id)),
            name=account.name,
            role=Role(account.role),
            member_state=MemberState(account.member_state) if account.member_state else None,
            organisation_id=strawberry.ID(account.organisation_id) if account.organisation_id else None,
            key_hint=_hint(account.key_hint),
            issued_by=issuer.principal,
            issued_at=account.created_on,
            revoked_at=account.modified_on if account.revoked else None,
            mine=principal.did(issuer),
        )

    @classmethod
    def from_row(cls, row: ApiKeyRow, principal: Principal) -> ApiKey:
        issuer = ActorRecord(
            principal=row.issued_by,
            role=row.issued_by_role,
            scope="",
            member_state=row.issued_by_member_state,
            organisation_id=row.issued_by_organisation_id,
        )
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            role=Role(row.role),
            member_state=MemberState(row.member_state) if row.member_state else None,
            organisation_id=strawberry.ID(row.organisation_id) if row.organisation_id else None,
            key_hint=_hint(row.key_hint),
            issued_by=row.issued_by,
            issued_at=row.issued_at,
            revoked_at=row.revoked_at,
            mine=principal.did(issuer),
        )


def _hint(last: str) -> str:
    return f"{KEY_PREFIX}…{last}" if last else KEY_PREFIX + "…"


@strawberry.type
class ApiKeyEdge:
    cursor: str
    node: ApiKey


@strawberry.type
class ApiKeyConnection:
    edges: list[ApiKeyEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input(description="A key for the caller's own integrations.")
class IssueApiKeyInput:
    name: str = strawberry.field(description="what the key is for, e.g. PHL logistics feed")
    role: Role | None = strawberry.field(
        default=None, description="the caller's own role, if named: a key is never wider than its issuer"
    )
    member_state: MemberState | None = strawberry.field(
        default=None, description="the caller's own, if named"
    )
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="the caller's own, if named"
    )
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type
class IssueApiKeyPayload:
    api_key: ApiKey
    secret: str | None = strawberry.field(
        description=(
            "the key, shown this once: only its hash is kept. Null when a retry with the same "
            "idempotency key is answered: revoke that key and issue another if it was lost"
        )
    )
    position: LogPosition


@strawberry.input
class RevokeApiKeyInput:
    id: strawberry.ID
    idempotency_key: str | None = IDEMPOTENCY_KEY


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey
    position: LogPosition


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(
        description="Issue an API key that acts as the caller does; its secret is shown once."
    )
    async def issue_api_key(self, info: Info, input: IssueApiKeyInput) -> IssueApiKeyPayload:
        c = info.context
        organisation = input.organisation_id
        issued = await c.run(
            c.runtime.concord.issue_own_api_key,
            c.command(input.idempotency_key),
            input.name,
            role=input.role,
            member_state=input.member_state,
            organisation_id=parse_id(organisation, "organisationId") if organisation else None,
        )
        return IssueApiKeyPayload(
            api_key=ApiKey.from_aggregate(issued.recorded.aggregate, c.principal),
            secret=issued.key,
            position=LogPosition(issued.recorded.position),
        )

    @strawberry.mutation(description="Revoke an API key at once (one's own; the secretariat any).")
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> ApiKeyPayload:
        c = info.context
        recorded = await c.run(
            c.runtime.concord.revoke_own_api_key, c.command(input.idempotency_key), parse_id(input.id)
        )
        return ApiKeyPayload(
            api_key=ApiKey.from_aggregate(recorded.aggregate, c.principal),
            position=LogPosition(recorded.position),
        )


@strawberry.type
class ApiKeyQuery:
    @strawberry.field(description="API keys, newest first: the caller's own; for the secretariat, every key.")
    async def api_keys(
        self, info: Info, first: int = 50, after: str | None = None, include_revoked: bool = False
    ) -> ApiKeyConnection:
        check_first(first)
        principal = info.context.principal
        every = authorise(principal, "query.apiKeys") is Scope.ANY
        rows, has_next, total = await list_api_keys(
            info.context.runtime.query_engine,
            issuer=None if every else _issuer(principal),
            include_revoked=include_revoked,
            first=first,
            after=decode_cursor(after) if after else None,
        )
        edges = [
            ApiKeyEdge(cursor=encode_cursor(row.issued_position), node=ApiKey.from_row(row, principal))
            for row in rows
        ]
        return ApiKeyConnection(
            edges=edges, page_info=page_info(edges, has_next=has_next, after=after), total_count=total
        )


def _issuer(principal: Principal) -> Issuer:
    return Issuer(
        subject=principal.subject,
        role=principal.role.value,
        member_state=principal.member_state.value if principal.member_state else None,
        organisation_id=str(principal.organisation_id) if principal.organisation_id else None,
    )
