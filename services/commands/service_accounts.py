"""API keys for integrations, of which only a hash is stored (``services.identity.service_accounts``).

An operator issues and revokes keys of any scope with ``concord apikey`` (no idempotency key, no
policy check: the CLI runs as the operator). A signed-in person issues keys for their own
integrations, acting exactly as they do, and revokes them; the secretariat revokes any. The secret
is in the command's answer only, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Actor, Role
from domain.codes import MemberState
from services.commands.core import Command, CommandCore, Recorded
from services.errors import NotFound
from services.identity.access import Forbidden, Owner, Principal, Unauthenticated
from services.identity.service_accounts import ServiceAccount, account_id_for, key_hash, new_key


@dataclass(frozen=True)
class IssuedKey:
    account_id: UUID
    key: str = field(repr=False)


@dataclass(frozen=True)
class KeyIssue:
    """A key issued by a command: the account as recorded, and its secret, once. A retry with the
    same idempotency key is answered with the account and no secret: none was ever stored."""

    recorded: Recorded[ServiceAccount]
    key: str | None = field(repr=False)


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
        """An operator's key, of any scope (``concord apikey create``)."""
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

    def issue_own_api_key(
        self,
        command: Command,
        name: str,
        *,
        role: Role | None = None,
        member_state: MemberState | None = None,
        organisation_id: UUID | None = None,
    ) -> KeyIssue:
        """A key for the caller's own integrations: its scope, if named, must be the caller's."""
        principal = command.principal
        if principal.via == "api-key":
            raise Forbidden("issueApiKey: an API key issues no API keys; sign in as the person it acts for")
        wanted = (
            role or principal.role,
            member_state or principal.member_state,
            organisation_id or principal.organisation_id,
        )
        scope = self._authorise(
            command, "mutation.issueApiKey", Owner(member_state=wanted[1], organisation_id=wanted[2])
        )
        if wanted != (principal.role, principal.member_state, principal.organisation_id):
            raise Forbidden(
                "issueApiKey: a key acts as whoever issues it, in the same role, state and "
                "organisation, never wider"
            )
        made: list[str] = []

        def issue() -> list[Aggregate]:
            made.append(new_key())
            account = ServiceAccount.issue(
                made[-1],
                name=name,
                role=principal.role.value,
                member_state=principal.member_state.value if principal.member_state else None,
                organisation_id=str(principal.organisation_id) if principal.organisation_id else None,
                actor=command.actor(scope),
            )
            return [account]

        payload = {"name": name, "role": principal.role.value}
        recorded: Recorded[ServiceAccount] = self._execute(command, "issueApiKey", payload, issue)
        return KeyIssue(recorded, None if recorded.replayed or not made else made[-1])

    def revoke_api_key(self, actor: Actor, account_id: UUID) -> None:
        """An operator's revocation, of any key (``concord apikey revoke``)."""
        account = self.get_service_account(account_id)
        account.revoke(actor=actor)
        self._save(account)

    def revoke_own_api_key(self, command: Command, account_id: UUID) -> Recorded[ServiceAccount]:
        """Revoke a key one issued; the secretariat revokes any."""
        return self._change(
            command,
            "revokeApiKey",
            lambda: self.get_service_account(account_id),
            {"id": str(account_id)},
            lambda account, actor: account.revoke(actor=actor),
            owner=lambda account: [Owner(made_by=account.issued_by)],
        )

    def get_service_account(self, account_id: UUID) -> ServiceAccount:
        return self.load(ServiceAccount, account_id, "API key")

    def principal_for_api_key(self, key: str) -> Principal:
        try:
            account = self.get_service_account(account_id_for(key))
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
