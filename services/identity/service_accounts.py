"""Service accounts for integrations: API keys of which only a hash is ever stored."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from domain.access import Actor
from domain.errors import InvalidInput, InvalidTransition
from domain.text import check_characters

KEY_PREFIX = "concord_"
_NAMESPACE = UUID("0b6c3f7e-1d2a-5b9c-8e4f-a1b2c3d4e5f6")


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    # Keys are 256 random bits: a fast hash is enough, and a slow one would slow every request.
    return hashlib.sha256(key.encode()).hexdigest()


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
    ) -> None:
        self.issued_by = actor
        self.name = name
        self.key_hash = key_hash
        self.role = role
        self.member_state = member_state
        self.organisation_id = organisation_id
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
        )

    def revoke(self, *, actor: Actor) -> None:
        if self.revoked:
            raise InvalidTransition(f"service account {self.id} is already revoked")
        self.trigger_event(self.Revoked, actor=actor)


#: The module ServiceAccount was released in: its stored events, and their ``originator_topic``,
#: name it there, and still read as this class (events are never rewritten).
register_topic("services.service_accounts:ServiceAccount", ServiceAccount)
