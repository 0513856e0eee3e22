"""The ``api_keys`` read model: each service-account key's name, scope, hint and issuer, and
whether it was revoked. Never its secret, which no event holds either.

The events are ``services.identity.service_accounts``' (credentials belong to the application
layer), so they are named here by their topics: projections never import the application layer. A
test pins these topics to the classes'. Events stored before the class moved carry its old module's
topic, and the log is read by stored topic, so both are read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from projections.api_keys.tables import api_keys
from projections.projector import ProjectorBase, handles

ISSUED = "services.identity.service_accounts:ServiceAccount.Issued"
REVOKED = "services.identity.service_accounts:ServiceAccount.Revoked"
RELEASED_TOPICS = frozenset(topic.replace("services.identity.", "services.") for topic in (ISSUED, REVOKED))


class ApiKeysProjector(ProjectorBase):
    name = "api_keys"
    tables: tuple[Table, ...] = (api_keys,)
    topics = frozenset({ISSUED, REVOKED}) | RELEASED_TOPICS

    @handles(REVOKED)
    async def _revoked(self, event: Any, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            update(api_keys)
            .where(api_keys.c.id == event.originator_id)
            .values(revoked_at=event.timestamp, revoked_by=event.actor.principal, position=position)
        )

    @handles(ISSUED)
    async def _issued(self, event: Any, conn: AsyncConnection, position: int) -> None:
        issuer = event.actor
        await conn.execute(
            insert(api_keys).values(
                id=event.originator_id,
                name=event.name,
                role=event.role,
                member_state=event.member_state,
                organisation_id=event.organisation_id,
                key_hint=event.key_hint,
                issued_by=issuer.principal,
                issued_by_role=issuer.role,
                issued_by_member_state=issuer.member_state,
                issued_by_organisation_id=issuer.organisation_id,
                issued_at=event.timestamp,
                issued_position=position,
                position=position,
            )
        )
