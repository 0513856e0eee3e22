"""Service accounts for integrations: API keys of which only a hash is ever stored.

A key is issued by an operator (``concord apikey``, any scope) or by a signed-in person for their
own integrations, and then it acts as they do: the same role, state or organisation, never wider.
The secret is in the command's answer only; the events hold its hash and its last four
characters, so that a list can tell keys apart. The commands are in
``services.commands.service_accounts``; this module keeps the aggregate, whose stored events carry
its topic.
"""

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


#: The module ServiceAccount was released in: its stored events, and their ``originator_topic``,
#: name it there, and still read as this class (events are never rewritten).
register_topic("services.service_accounts:ServiceAccount", ServiceAccount)
