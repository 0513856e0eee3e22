"""Concord, the event-sourced application: every command module, on a core built over eventsourcing.

Its commands live one concept to a module in ``services.commands``; here is what they share: the
event store, the execute/save path with idempotency receipts and the group commit, reads of an
aggregate's past, and the listeners that learn of each commit. Every command names who asks (a
``Command`` with its principal); the policy in ``services.identity.access`` decides whether they may.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, DomainEventProtocol, Snapshot
from eventsourcing.persistence import IntegrityError, Notification, Recording, StoredEvent, Transcoder
from eventsourcing.postgres import PostgresApplicationRecorder

from services.commands.allocation_rounds import AllocationRoundCommands
from services.commands.core import Clock, Command, HistoryPage, Recorded, Work, utc_today
from services.commands.crises import CrisisCommands
from services.commands.displacement import DisplacementCommands
from services.commands.fund import FundCommands
from services.commands.matches import MatchCommands
from services.commands.movements import MovementCommands
from services.commands.offers import OfferCommands
from services.commands.organisations import OrganisationCommands
from services.commands.pledges import PledgeCommands
from services.commands.projects import ProjectCommands
from services.commands.relief_worker_safety import ReliefWorkerSafetyCommands
from services.commands.requests import RequestCommands
from services.commands.safe_havens import SafeHavenCommands
from services.commands.service_accounts import IssuedKey, ServiceAccountCommands
from services.errors import NotFound
from services.idempotency import (
    CommandReceipt,
    IdempotencyKeyReused,
    InFlight,
    check_key,
    payload_digest,
    receipt_id,
)
from services.identity.policy import Scope
from services.infrastructure.eventsourcing_internals import replay, save_through
from services.infrastructure.group_commit import GroupCommitter
from services.infrastructure.log_positions import position_of
from services.infrastructure.psycopg_pool_internals import bound_waits, use_quick_checks
from services.infrastructure.snapshots import Snapshotting, register_state_transcodings
from services.infrastructure.transcodings import ActorAsDict, DateAsISO

# Callers import these with the application, as before the commands had modules of their own.
__all__ = ["Clock", "Command", "Concord", "HistoryPage", "IssuedKey", "Recorded", "utc_today"]

A = TypeVar("A", bound=Aggregate)
L = TypeVar("L")  # a listener


class Concord(
    CrisisCommands,
    RequestCommands,
    OfferCommands,
    MatchCommands,
    OrganisationCommands,
    PledgeCommands,
    FundCommands,
    SafeHavenCommands,
    MovementCommands,
    DisplacementCommands,
    ReliefWorkerSafetyCommands,
    ProjectCommands,
    AllocationRoundCommands,
    ServiceAccountCommands,
    Snapshotting,
):
    """The event-sourced command service. Its name prefixes the PostgreSQL event table."""

    name = "Concord"

    def __init__(self, env: Mapping[str, str] | None = None, *, today: Clock = utc_today) -> None:
        super().__init__(dict(env) if env else None)
        if isinstance(self.recorder, PostgresApplicationRecorder):
            use_quick_checks(self.recorder)
            bound_waits(self.recorder)
        self._today = today
        self._listeners: list[Callable[[int], None]] = []
        self._write_listeners: list[Callable[[float], None]] = []
        self._commit_listeners: list[Callable[[list[Notification]], None]] = []
        self._listeners_lock = threading.Lock()
        self._in_flight = InFlight()
        self._committer = GroupCommitter(
            self.recorder.insert_events,
            committed=self._notify,
            window=float(self.env.get("GROUP_COMMIT_WINDOW_MS", "0")) / 1000,
            max_batch=int(self.env.get("GROUP_COMMIT_MAX_BATCH", "64")),
        )

    def close(self) -> None:
        self._committer.close()
        super().close()

    def today(self) -> date:
        return self._today()

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[arg-type]
        transcoder.register(DateAsISO())  # type: ignore[attr-defined]
        transcoder.register(ActorAsDict())  # type: ignore[attr-defined]
        register_state_transcodings(transcoder)

    # Listeners learn of each commit's last position, to wake in-process projections.
    def on_recorded(self, listener: Callable[[int], None]) -> Callable[[], None]:
        return self._listen(self._listeners, listener)

    def on_write(self, listener: Callable[[float], None]) -> Callable[[], None]:
        """``listener`` learns how many seconds each successful write to the event store took."""
        return self._listen(self._write_listeners, listener)

    def on_committed(self, listener: Callable[[list[Notification]], None]) -> Callable[[], None]:
        """``listener`` gets each group commit's notifications, in position order, from the
        writer's thread, before the ``on_recorded`` listeners learn of the new position."""
        return self._listen(self._commit_listeners, listener)

    def _listen(self, listeners: list[L], listener: L) -> Callable[[], None]:
        """Add ``listener`` to ``listeners``; the function that takes it off again."""
        with self._listeners_lock:
            listeners.append(listener)

        def remove() -> None:
            with self._listeners_lock:
                listeners.remove(listener)

        return remove

    def _record(self, processing_event: Any) -> list[Recording]:  # type: ignore[type-arg]
        started = time.perf_counter()
        recordings: list[Recording] = super()._record(processing_event)  # type: ignore[type-arg]
        self._wrote(time.perf_counter() - started)
        return recordings

    def _wrote(self, elapsed: float) -> None:
        with self._listeners_lock:
            listeners = list(self._write_listeners)
        for listener in listeners:
            listener(elapsed)

    def _notify(self, recordings: list[Recording]) -> None:  # type: ignore[type-arg]
        if not recordings:
            return
        position = recordings[-1].notification.id
        with self._listeners_lock:
            listeners = list(self._listeners)
            commit_listeners = list(self._commit_listeners)
        if commit_listeners:
            notifications = [recording.notification for recording in recordings]
            for commit_listener in commit_listeners:
                commit_listener(notifications)
        for listener in listeners:
            listener(position)

    # The core the command modules rely on.
    def load(self, kind: type[A], aggregate_id: UUID, name: str) -> A:
        try:
            aggregate: object = self.repository_for(kind).get(aggregate_id, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFound(name, aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise NotFound(name, aggregate_id)
        return aggregate

    def _execute(
        self, command: Command, operation: str, payload: Mapping[str, Any], work: Work
    ) -> Recorded[Any]:
        if command.idempotency_key is None:
            aggregates = work()
            return Recorded(aggregates[0], 0 if command.dry_run else self._save(*aggregates))
        key = check_key(command.idempotency_key)
        receipt = receipt_id(command.principal, key)
        digest = payload_digest(operation, payload)
        if command.dry_run:
            return self._recorded_before(receipt, digest) or Recorded(work()[0], 0)
        with self._in_flight.hold(receipt):
            replayed = self._recorded_before(receipt, digest)
            if replayed is not None:
                return replayed
            aggregates = work()
            result = aggregates[0]
            proof = CommandReceipt.record(
                receipt,
                actor=command.actor(Scope.ANY),
                operation=operation,
                digest=digest,
                aggregate_id=result.id,
                aggregate_version=result.version,
            )
            try:
                return Recorded(result, self._save(*aggregates, proof))
            except IntegrityError:
                replayed = self._recorded_before(receipt, digest)  # another process recorded it first
                if replayed is not None:
                    return replayed
                raise

    def _recorded_before(self, receipt: UUID, digest: str) -> Recorded[Any] | None:
        """What the command with this receipt answered, if it was recorded; ``IdempotencyKeyReused``
        if the receipt is for another command."""
        try:
            stored: object = self.repository_for(CommandReceipt).get(receipt)
        except AggregateNotFoundError:
            return None
        assert isinstance(stored, CommandReceipt)
        if stored.payload_digest != digest:
            raise IdempotencyKeyReused("this idempotency key was already used for a different command")
        result: object = self.repository.get(stored.aggregate_id, version=stored.aggregate_version)
        # The receipt was the last event its command saved: its position is the command's.
        position = position_of(self.recorder, receipt, stored.version)
        assert position is not None, "a receipt that was read has a position"
        return Recorded(result, position, replayed=True)

    def _save(self, *aggregates: Aggregate) -> int:
        """Save as ``Application.save`` does, but in the group commit shared with concurrent commands."""
        recordings = save_through(self, self._commit, *aggregates)
        if not recordings:
            return self.recorder.max_notification_id() or 0
        return recordings[-1].notification.id

    def _commit(
        self, events: Sequence[DomainEventProtocol[UUID]], stored: Sequence[StoredEvent]
    ) -> list[Recording[UUID]]:
        started = time.perf_counter()
        recordings = self._committer.commit(events, stored).recordings
        self._wrote(time.perf_counter() - started)  # the command's wait for its (shared) commit
        return recordings

    def as_of(self, kind: type[A], name: str, aggregate_id: UUID, moment: datetime) -> A:
        """From the newest snapshot taken by ``moment``, and the events after it up to ``moment``."""
        state: Any = self._snapshot_taken_by(aggregate_id, moment)
        after = state.version if state is not None else None
        for event in self.events.get(aggregate_id, gt=after):
            assert isinstance(event, Aggregate.Event)
            if event.timestamp > moment:
                break
            state = event.mutate(state)
        if not isinstance(state, kind):
            raise NotFound(name, aggregate_id)
        return state

    def _snapshot_taken_by(self, aggregate_id: UUID, moment: datetime) -> Aggregate | None:
        """The aggregate from its newest snapshot taken at or before ``moment``, if any. A snapshot
        is taken after its last event committed, so every event it holds happened by then."""
        if self.snapshots is None:
            return None
        below: int | None = None
        while True:
            newest = list(self.snapshots.get(aggregate_id, lte=below, desc=True, limit=1))
            if not newest:
                return None
            snapshot = newest[0]
            assert isinstance(snapshot, Snapshot)
            if snapshot.timestamp <= moment:
                restored: Aggregate = snapshot.mutate(None)  # type: ignore[assignment]
                return restored
            below = snapshot.originator_version - 1

    def history_page(
        self, kind: type[A], name: str, aggregate_id: UUID, *, after: int = 0, limit: int | None = None
    ) -> HistoryPage[A]:
        """Only the page and the state before it (from the nearest snapshot) in memory, never the
        aggregate's whole history."""
        start: A | None = None
        if after:
            try:
                found: object = self.repository.get(aggregate_id, version=after)
            except AggregateNotFoundError:
                raise NotFound(name, aggregate_id) from None
            if not isinstance(found, kind):
                raise NotFound(name, aggregate_id)
            start = found
        events = list(self.events.get(aggregate_id, gt=after or None, limit=limit))
        last = list(self.events.get(aggregate_id, desc=True, limit=1))
        return HistoryPage(start, events, last[0].originator_version if last else 0)

    def event_at(self, aggregate_id: UUID, version: int) -> DomainEventProtocol[UUID]:
        [event] = self.events.get(aggregate_id, gt=version - 1, lte=version)
        return event
