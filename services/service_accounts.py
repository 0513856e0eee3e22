"""Service accounts for integrations: API keys of which only a hash is ever stored.

A key is issued by an operator (``concord apikey``, any scope) or by a signed-in person for their
own integrations, and then it acts as they do: the same role, state or organisation, never wider.
The secret is in the command's answer only; the events hold its hash and its last four
characters, so that a list can tell keys apart. A mixin of the Concord application.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.access import Actor, Role
from domain.codes import MemberState
from domain.errors import InvalidInput, InvalidTransition
from domain.text import check_characters
from services.access import Forbidden, Owner, Principal, Unauthenticated
from services.errors import NotFound

if TYPE_CHECKING:
    from services.coordination import Command, Concord, Recorded

KEY_PREFIX = "concord_"
HINT_LENGTH = 4
_NAMESPACE = UUID("0b6c3f7e-1d2a-5b9c-8e4f-a1b2c3d4e5f6")


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    # Keys are 256 random bits: a fast hash is enough, and a slow one would slow every request.
    return hashlib.sha256(key.encode()).hexdigest()


def key_hint(key: str) -> str:
    """The key's last characters: enough to tell one's keys apart, 24 of its 256 random bits."""
    return key[-HINT_LENGTH:]


def account_id_for(key: str) -> UUID:
    """The account's id follows from the key's hash, so a key is looked up without a scan."""
    return uuid5(_NAMESPACE, key_hash(key))


class ServiceAccount(Aggregate):
    class Issued(Aggregate.Created):
        actor: Actor
        name: str
        key_hash: str
        role: str
        member_state: str | None
        organisation_id: str | None
        key_hint: str

        class_version = 2  # v1 kept no hint: see upcast_v1_v2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Keys issued before hints were kept have none."""
            state["key_hint"] = ""

    class Revoked(Aggregate.Event):
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, ServiceAccount)
            aggregate.revoked = True

    def __init__(
        self,
        actor: Actor,
        name: str,
        key_hash: str,
        role: str,
        member_state: str | None,
        organisation_id: str | None,
        key_hint: str,
    ) -> None:
        self.issued_by = actor
        self.name = name
        self.key_hash = key_hash
        self.role = role
        self.member_state = member_state
        self.organisation_id = organisation_id
        self.key_hint = key_hint
        self.revoked = False

    @classmethod
    def issue(
        cls,
        key: str,
        *,
        name: str,
        role: str,
        member_state: str | None,
        organisation_id: str | None,
        actor: Actor,
    ) -> ServiceAccount:
        name = check_characters("name", name).strip()
        if not name or len(name) > 200:
            raise InvalidInput("name", "must be 1 to 200 characters")
        return cls._create(
            cls.Issued,
            id=account_id_for(key),
            actor=actor,
            name=name,
            key_hash=key_hash(key),
            role=role,
            member_state=member_state,
            organisation_id=organisation_id,
            key_hint=key_hint(key),
        )

    def revoke(self, *, actor: Actor) -> None:
        if self.revoked:
            raise InvalidTransition(f"service account {self.id} is already revoked")
        self.trigger_event(self.Revoked, actor=actor)


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


class ServiceAccounts:
    def issue_api_key(
        self: Concord,
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
        self.save(account)
        return IssuedKey(account.id, key)

    def issue_own_api_key(
        self: Concord,
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

    def revoke_api_key(self: Concord, actor: Actor, account_id: UUID) -> None:
        """An operator's revocation, of any key (``concord apikey revoke``)."""
        account = self.get_service_account(account_id)
        account.revoke(actor=actor)
        self.save(account)

    def revoke_own_api_key(self: Concord, command: Command, account_id: UUID) -> Recorded[ServiceAccount]:
        """Revoke a key one issued; the secretariat revokes any."""
        return self._change(
            command,
            "revokeApiKey",
            lambda: self.get_service_account(account_id),
            {"id": str(account_id)},
            lambda account, actor: account.revoke(actor=actor),
            owner=lambda account: [Owner(made_by=account.issued_by)],
        )

    def get_service_account(self: Concord, account_id: UUID) -> ServiceAccount:
        return self._get(ServiceAccount, account_id, "API key")

    def principal_for_api_key(self: Concord, key: str) -> Principal:
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
