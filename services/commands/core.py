"""What every command module needs of the application, and nothing more.

``CommandCore`` declares the few operations a command relies on (the clock, loading an aggregate,
executing and saving with idempotency, an aggregate's past) and shares how a command is authorised
and retried. ``services.coordination.Concord`` implements it over eventsourcing and composes every
command module; the modules derive from this core alone and never import the application back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import IntegrityError

from domain.access import Actor
from domain.organisations import Organisation
from services.errors import Conflict, NotFound
from services.identity.access import Forbidden, Owner, Principal, authorise
from services.identity.policy import Scope

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
Clock = Callable[[], date]
#: What a command does once authorised: the aggregates it changed, the one it answers with first.
Work = Callable[[], list[Aggregate]]
_RETRIES_ON_CONFLICT = 3


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Command:
    """Who asks, within which HTTP request, and the key that makes a retry safe."""

    principal: Principal
    correlation_id: str | None = None
    idempotency_key: str | None = None
    #: Authorise and validate as for real, save nothing: a preview (an upload's rows) answers
    #: with the aggregate as it would be (position 0), or as it was when the key was used before.
    dry_run: bool = False

    def actor(self, scope: Scope) -> Actor:
        return self.principal.actor(
            scope, correlation_id=self.correlation_id, idempotency_key=self.idempotency_key
        )


@dataclass(frozen=True)
class Recorded(Generic[T]):
    """A command's outcome: the aggregate as it now stands and the log position of its last event."""

    aggregate: T
    position: int
    replayed: bool = False


@dataclass(frozen=True)
class HistoryPage(Generic[T]):
    """Up to a page of an aggregate's events after version ``after``, with the aggregate as it stood
    at ``after`` (``start``; None before its first event) and its number of events (``total``)."""

    start: T | None
    events: list[DomainEventProtocol[UUID]]
    total: int


class CommandCore(ABC):
    """The operations the application provides to its commands, and the steps they all share."""

    @abstractmethod
    def today(self) -> date:
        """The date commands are checked against (needed-by dates, offer windows)."""

    @abstractmethod
    def load(self, kind: type[A], aggregate_id: UUID, name: str) -> A:
        """The aggregate as it stands; ``NotFound`` (naming it ``name``) if there is none of ``kind``."""

    @abstractmethod
    def as_of(self, kind: type[A], name: str, aggregate_id: UUID, moment: datetime) -> A:
        """The aggregate as it stood at ``moment``; ``NotFound`` if it did not exist yet."""

    @abstractmethod
    def history_page(
        self, kind: type[A], name: str, aggregate_id: UUID, *, after: int = 0, limit: int | None = None
    ) -> HistoryPage[A]:
        """Up to ``limit`` of the aggregate's events after version ``after``."""

    @abstractmethod
    def event_at(self, aggregate_id: UUID, version: int) -> DomainEventProtocol[UUID]:
        """The event that brought the aggregate to ``version``."""

    @abstractmethod
    def _execute(
        self, command: Command, operation: str, payload: Mapping[str, Any], work: Work
    ) -> Recorded[Any]:
        """Run ``work`` and save what it changed in one transaction, with a receipt when the command
        has an idempotency key (a retry with the same key and ``payload`` answers as the first did)."""

    @abstractmethod
    def _save(self, *aggregates: Aggregate) -> int:
        """Record the aggregates' new events in one transaction; the log position of the last."""

    def _authorise(self, command: Command, operation: str, *owners: Owner) -> Scope:
        scope = authorise(command.principal, operation, *owners)
        self._check_standing(command.principal)
        return scope

    def _check_standing(self, principal: Principal) -> None:
        """A suspended (or unknown) organisation's credentials stop working for commands."""
        if principal.organisation_id is None:
            return
        try:
            organisation = self.load(Organisation, principal.organisation_id, "organisation")
        except NotFound:
            raise Forbidden("the caller's organisation is not registered") from None
        if organisation.suspended:
            raise Forbidden(f"{organisation.name} is suspended")

    def _change(
        self,
        command: Command,
        operation: str,
        load: Callable[[], A],
        payload: Mapping[str, Any],
        change: Callable[[A, Actor], None],
        *,
        owner: Callable[[A], list[Owner]] = lambda _: [],
    ) -> Recorded[A]:
        """Load, authorise against the object's owner, change, save; redo on a concurrent change."""

        def work() -> list[Aggregate]:
            aggregate = load()
            scope = self._authorise(command, f"mutation.{operation}", *owner(aggregate))
            change(aggregate, command.actor(scope))
            return [aggregate]

        return self._retrying(lambda: self._execute(command, operation, payload, work))

    def _retrying(self, attempt: Callable[[], Recorded[A]]) -> Recorded[A]:
        """On a concurrent change of the same aggregate, redo the command on the newer state."""
        for _ in range(_RETRIES_ON_CONFLICT):
            try:
                return attempt()
            except IntegrityError:
                continue
        raise Conflict("the object kept changing while the command ran; try again")
