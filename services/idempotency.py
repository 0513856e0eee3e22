"""Idempotent commands: a receipt aggregate per (whole principal, key), saved with the command's events.

The receipt's id is derived from the principal and the key, so a second attempt either finds the
receipt or collides with it on save — the same transaction that records the command's events,
so a crash can never leave one without the other.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.errors import InvalidInput
from services.errors import Retry
from services.identity.access import Principal

_NAMESPACE = UUID("6f0e7bb8-3c47-5d1e-9a51-8b0c2d6c0a11")
KEY_MAX = 200


class IdempotencyKeyReused(Exception):
    """The key was used before by the same principal for a different command."""


class CommandInFlight(Exception):
    """The same key is being processed right now; retry once it has finished."""

    retry = Retry.COMMAND_IN_FLIGHT


def check_key(key: str) -> str:
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise InvalidInput("idempotencyKey", f"must be 1 to {KEY_MAX} printable characters")
    return key


def receipt_id(principal: Principal, key: str) -> UUID:
    """One receipt per whole principal and key (``Principal.identity``), so that two callers
    sharing a subject never see each other's result."""
    return uuid5(_NAMESPACE, f"{principal.identity}\n{key}")


def payload_digest(operation: str, payload: Mapping[str, Any]) -> str:
    canonical = json.dumps([operation, payload], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class CommandReceipt(Aggregate):
    """That a principal's command with an idempotency key was carried out, and what it produced."""

    class Recorded(Aggregate.Created):
        actor: Actor
        operation: str
        payload_digest: str
        aggregate_id: UUID
        aggregate_version: int

    def __init__(
        self,
        actor: Actor,
        operation: str,
        payload_digest: str,
        aggregate_id: UUID,
        aggregate_version: int,
    ) -> None:
        self.actor = actor
        self.operation = operation
        self.payload_digest = payload_digest
        self.aggregate_id = aggregate_id
        self.aggregate_version = aggregate_version

    @classmethod
    def record(
        cls,
        receipt: UUID,
        *,
        actor: Actor,
        operation: str,
        digest: str,
        aggregate_id: UUID,
        aggregate_version: int,
    ) -> CommandReceipt:
        return cls._create(
            cls.Recorded,
            id=receipt,
            actor=actor,
            operation=operation,
            payload_digest=digest,
            aggregate_id=aggregate_id,
            aggregate_version=aggregate_version,
        )


class InFlight:
    """Receipts being worked on in this process: a concurrent duplicate is refused at once."""

    def __init__(self) -> None:
        self._ids: set[UUID] = set()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, receipt: UUID) -> Iterator[None]:
        with self._lock:
            if receipt in self._ids:
                raise CommandInFlight("a command with this idempotency key is still in progress")
            self._ids.add(receipt)
        try:
            yield
        finally:
            with self._lock:
                self._ids.discard(receipt)
