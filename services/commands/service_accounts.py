"""API keys for integrations: operators or the secretariat issue and revoke service accounts.

Not commands of a caller (no idempotency key, no policy check): the CLI runs them as the operator.
A key is shown once, when issued; only its hash is stored (``services.identity.service_accounts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from domain.access import Actor, Role
from domain.codes import MemberState
from services.commands.core import CommandCore
from services.errors import NotFound
from services.identity.access import Principal, Unauthenticated
from services.identity.service_accounts import ServiceAccount, account_id_for, key_hash, new_key


@dataclass(frozen=True)
class IssuedKey:
    account_id: UUID
    key: str = field(repr=False)


class ServiceAccountCommands(CommandCore):
    def issue_api_key(
        self,
        actor: Actor,
        *,
        name: str,
        role: Role,
        member_state: MemberState | None = None,
        organisation_id: UUID | None = None,
    ) -> IssuedKey:
        Principal("service-account:new", role, member_state, organisation_id)  # scope checks
        key = new_key()
        account = ServiceAccount.issue(
            key,
            name=name,
            role=role.value,
            member_state=member_state.value if member_state else None,
            organisation_id=str(organisation_id) if organisation_id else None,
            actor=actor,
        )
        self._save(account)
        return IssuedKey(account.id, key)

    def revoke_api_key(self, actor: Actor, account_id: UUID) -> None:
        account = self.load(ServiceAccount, account_id, "service account")
        account.revoke(actor=actor)
        self._save(account)

    def principal_for_api_key(self, key: str) -> Principal:
        try:
            account = self.load(ServiceAccount, account_id_for(key), "service account")
        except NotFound:
            raise Unauthenticated("unknown API key") from None
        if account.revoked or account.key_hash != key_hash(key):
            raise Unauthenticated("this API key has been revoked")
        return Principal(
            subject=f"service-account:{account.id}",
            role=Role(account.role),
            member_state=MemberState(account.member_state) if account.member_state else None,
            organisation_id=UUID(account.organisation_id) if account.organisation_id else None,
            via="api-key",
        )
