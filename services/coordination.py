"""The command side: one method per command of the relief coordinators, secretariat and donors.

Every command names who asks (a ``Command`` with its principal); the policy in
``services.access`` decides, here, whether they may. Every event records its actor.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol, Snapshot
from eventsourcing.persistence import IntegrityError, Notification, Recording, Transcoder
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.access import Actor, Role
from domain.codes import MemberState
from domain.crises import Crisis, CrisisPhase
from domain.errors import InvalidInput
from domain.matches import Match
from domain.offers import Offer, Terms
from domain.organisations import Organisation, OrganisationType
from domain.requests import AssistanceRequest, Need
from services.access import Forbidden, Owner, Principal, Scope, authorise
from services.connections import bound_waits, use_quick_checks
from services.errors import Conflict, NotFound
from services.finance import Finance
from services.group_commit import GroupCommitter
from services.havens import Havens
from services.idempotency import (
    CommandReceipt,
    IdempotencyKeyReused,
    InFlight,
    check_key,
    payload_digest,
    receipt_id,
)
from services.log_positions import position_of
from services.matching.rounds import Rounds
from services.movements import Movements
from services.projects import Projects
from services.security import Security
from services.service_accounts import ServiceAccounts
from services.snapshots import Snapshotting, register_state_transcodings
from services.transcodings import ActorAsDict, DateAsISO

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
L = TypeVar("L")  # a listener
Clock = Callable[[], date]
_RETRIES_ON_CONFLICT = 3


def utc_today() -> date:
    return datetime.now(UTC).date()


def offering_party(offer: Offer) -> Owner:
    organisation = UUID(offer.organisation_id) if offer.organisation_id else None
    return Owner(member_state=offer.offering_state, organisation_id=organisation)


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


class Concord(
    Finance,
    Havens,
    Movements,
    Security,
    Projects,
    Rounds,
    ServiceAccounts,
    Snapshotting,
    Application,  # type: ignore[type-arg]
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
        """The date commands are checked against (needed-by dates, offer windows)."""
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

    def on_committed(self, listener: Callable[[list[Notification]], None]) -> Callable[[], None]:
        """``listener`` gets each group commit's notifications, in position order, from the
        writer's thread, before the ``on_recorded`` listeners learn of the new position."""
        return self._listen(self._commit_listeners, listener)

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

    # Crises.
    def open_crisis(
        self,
        command: Command,
        name: str,
        affected_states: list[MemberState],
        start_date: date,
        phase: CrisisPhase = CrisisPhase.ACTIVE_RESPONSE,
    ) -> Recorded[Crisis]:
        scope = self._authorise(command, "mutation.openCrisis")

        def open_() -> list[Aggregate]:
            actor = command.actor(scope)
            return [Crisis.open(name, affected_states, start_date, phase=phase, actor=actor)]

        payload = {
            "name": name,
            "states": sorted(s.value for s in affected_states),
            "start": start_date.isoformat(),
            "phase": phase.value,
        }
        return self._execute(command, "openCrisis", payload, open_)

    def change_crisis_phase(self, command: Command, crisis_id: UUID, phase: CrisisPhase) -> Recorded[Crisis]:
        operation = "closeCrisis" if phase is CrisisPhase.CLOSED else "changeCrisisPhase"
        return self._change(
            command,
            operation,
            lambda: self.get_crisis(crisis_id),
            {"id": str(crisis_id), "phase": phase.value},
            lambda crisis, actor: crisis.change_phase(phase, actor=actor),
        )

    def get_crisis(self, crisis_id: UUID) -> Crisis:
        return self._get(Crisis, crisis_id, "crisis")

    def _open_crisis_named(self, crisis_id: UUID) -> Crisis:
        try:
            crisis = self.get_crisis(crisis_id)
        except NotFound:
            raise InvalidInput("crisisId", f"there is no crisis with id {crisis_id}") from None
        crisis.require_open()
        return crisis

    # Assistance requests.
    def post_request(
        self,
        command: Command,
        crisis_id: UUID,
        member_state: MemberState,
        need: Need,
        safe_haven_id: UUID | None = None,
    ) -> Recorded[AssistanceRequest]:
        scope = self._authorise(command, "mutation.postRequest", Owner(member_state=member_state))

        def post() -> list[Aggregate]:
            self._open_crisis_named(crisis_id)
            actor = command.actor(scope)
            request = AssistanceRequest.post(crisis_id, member_state, need, today=self._today(), actor=actor)
            if safe_haven_id is not None:
                haven = self._haven_named(safe_haven_id, "safeHavenId")
                assert haven is not None
                request.link_to_safe_haven(haven.id, haven.member_state, haven.crisis_id, actor=actor)
            return [request]

        payload = {"crisis": str(crisis_id), "member_state": member_state.value, **_fields_of(need)}
        if safe_haven_id is not None:
            payload["safe_haven"] = str(safe_haven_id)
        return self._execute(command, "postRequest", payload, post)

    def amend_request(
        self, command: Command, request_id: UUID, **changes: Any
    ) -> Recorded[AssistanceRequest]:
        """Change some terms of a request; the terms not named stay as they are."""

        def amend(request: AssistanceRequest, actor: Actor) -> None:
            need = dataclasses.replace(request.need, **changes)
            request.amend(need, today=self._today(), actor=actor)

        payload = {"id": str(request_id), **{k: str(v) for k, v in changes.items()}}
        return self._change_request(command, "amendRequest", request_id, payload, amend)

    def cancel_request(
        self, command: Command, request_id: UUID, reason: str = ""
    ) -> Recorded[AssistanceRequest]:
        payload = {"id": str(request_id), "reason": reason}
        return self._change_request(
            command,
            "cancelRequest",
            request_id,
            payload,
            lambda request, actor: request.cancel(reason, actor=actor),
        )

    def link_request_to_safe_haven(
        self, command: Command, request_id: UUID, safe_haven_id: UUID
    ) -> Recorded[AssistanceRequest]:
        def link(request: AssistanceRequest, actor: Actor) -> None:
            haven = self._haven_named(safe_haven_id, "safeHavenId")
            assert haven is not None
            request.link_to_safe_haven(haven.id, haven.member_state, haven.crisis_id, actor=actor)

        payload = {"id": str(request_id), "safe_haven": str(safe_haven_id)}
        return self._change_request(command, "linkRequestToSafeHaven", request_id, payload, link)

    def get_request(self, request_id: UUID) -> AssistanceRequest:
        return self._get(AssistanceRequest, request_id, "assistance request")

    def request_as_of(self, request_id: UUID, moment: datetime) -> AssistanceRequest:
        return self.as_of(AssistanceRequest, "assistance request", request_id, moment)

    def as_of(self, kind: type[A], name: str, aggregate_id: UUID, moment: datetime) -> A:
        """The aggregate as it stood at ``moment``: from the newest snapshot taken by then, and the
        events after it up to ``moment``; NOT_FOUND if it did not exist yet."""
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

    def request_history(
        self, principal: Principal, request_id: UUID, *, after: int = 0, limit: int | None = None
    ) -> HistoryPage[AssistanceRequest]:
        """Up to ``limit`` of the request's events after version ``after``; for the requesting
        state's coordinators and the secretariat."""
        request = self.get_request(request_id)
        authorise(principal, "AssistanceRequest.history", Owner(member_state=request.member_state))
        kind, name = AssistanceRequest, "assistance request"
        return self.history_page(kind, name, request_id, after=after, limit=limit)

    def history_page(
        self, kind: type[A], name: str, aggregate_id: UUID, *, after: int = 0, limit: int | None = None
    ) -> HistoryPage[A]:
        """One page of an aggregate's events: only the page and the state before it (from the
        nearest snapshot) in memory, never its whole history."""
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

    # Offers.
    def post_offer(self, command: Command, crisis_id: UUID, terms: Terms) -> Recorded[Offer]:
        """The caller's organisation (a donor) or member state (a coordinator) offers."""
        principal = command.principal
        by_state = principal.member_state if principal.role is Role.COORDINATOR else None
        by_organisation = principal.organisation_id if principal.role is Role.DONOR else None
        scope = self._authorise(command, "mutation.postOffer", Owner(by_state, by_organisation))

        def post() -> list[Aggregate]:
            self._open_crisis_named(crisis_id)
            offer = Offer.post(
                crisis_id,
                terms,
                organisation_id=by_organisation,
                offering_state=by_state,
                today=self._today(),
                actor=command.actor(scope),
            )
            return [offer]

        payload = {"crisis": str(crisis_id), **dataclasses.asdict(terms)}
        payload["serves"] = sorted(s.value for s in terms.serves)
        return self._execute(command, "postOffer", payload, post)

    def withdraw_offer(self, command: Command, offer_id: UUID, reason: str) -> Recorded[Offer]:
        return self._change(
            command,
            "withdrawOffer",
            lambda: self.get_offer(offer_id),
            {"id": str(offer_id), "reason": reason},
            lambda offer, actor: offer.withdraw(reason, actor=actor),
            owner=lambda offer: [offering_party(offer)],
        )

    def get_offer(self, offer_id: UUID) -> Offer:
        return self._get(Offer, offer_id, "offer")

    # Matches: each step saves the match with the offer and the request, in one transaction.
    def propose_match(
        self, command: Command, request_id: UUID, offer_id: UUID, quantity: Decimal
    ) -> Recorded[Match]:
        def work() -> list[Aggregate]:
            request, offer = self.get_request(request_id), self.get_offer(offer_id)
            scope = self._authorise(command, "mutation.proposeMatch", offering_party(offer))
            match = Match.propose(request, offer, quantity, today=self._today(), actor=command.actor(scope))
            return [match, offer, request]

        payload = {"request": str(request_id), "offer": str(offer_id), "quantity": str(quantity)}
        return self._retrying(lambda: self._execute(command, "proposeMatch", payload, work))

    def accept_match(self, command: Command, match_id: UUID, *, over_cover: bool = False) -> Recorded[Match]:
        return self._match_step(
            command,
            "acceptMatch",
            match_id,
            {"over_cover": over_cover},
            lambda match, request, offer: [Owner(member_state=request.member_state)],
            lambda match, request, offer, actor: match.accept(
                request, offer, over_cover=over_cover, actor=actor
            ),
        )

    def confirm_match(self, command: Command, match_id: UUID) -> Recorded[Match]:
        return self._match_step(
            command,
            "confirmMatch",
            match_id,
            {},
            lambda match, request, offer: [offering_party(offer)],
            lambda match, request, offer, actor: match.confirm(actor=actor),
        )

    def dispatch_match(self, command: Command, match_id: UUID) -> Recorded[Match]:
        return self._match_step(
            command,
            "dispatchMatch",
            match_id,
            {},
            lambda match, request, offer: [offering_party(offer)],
            lambda match, request, offer, actor: match.dispatch(
                request, actor=actor, area=self.security_area(request.member_state, request.need.admin_code)
            ),
        )

    def record_delivery(self, command: Command, match_id: UUID, received: Decimal) -> Recorded[Match]:
        return self._match_step(
            command,
            "recordDelivery",
            match_id,
            {"received": str(received)},
            lambda match, request, offer: [Owner(member_state=request.member_state)],
            lambda match, request, offer, actor: match.record_delivery(request, received, actor=actor),
        )

    def decline_match(self, command: Command, match_id: UUID, reason: str = "") -> Recorded[Match]:
        return self._match_step(
            command,
            "declineMatch",
            match_id,
            {"reason": reason},
            lambda match, request, offer: [Owner(member_state=request.member_state), offering_party(offer)],
            lambda match, request, offer, actor: match.decline(request, offer, reason, actor=actor),
        )

    def cancel_match(self, command: Command, match_id: UUID, reason: str = "") -> Recorded[Match]:
        return self._match_step(
            command,
            "cancelMatch",
            match_id,
            {"reason": reason},
            lambda match, request, offer: [Owner(member_state=request.member_state), offering_party(offer)],
            lambda match, request, offer, actor: match.cancel(request, offer, reason, actor=actor),
        )

    def get_match(self, match_id: UUID) -> Match:
        return self._get(Match, match_id, "match")

    def _match_step(
        self,
        command: Command,
        operation: str,
        match_id: UUID,
        payload: Mapping[str, Any],
        owners: Callable[[Match, AssistanceRequest, Offer], list[Owner]],
        step: Callable[[Match, AssistanceRequest, Offer, Actor], None],
    ) -> Recorded[Match]:
        def work() -> list[Aggregate]:
            match = self.get_match(match_id)
            request, offer = self.get_request(match.request_id), self.get_offer(match.offer_id)
            scope = self._authorise(command, f"mutation.{operation}", *owners(match, request, offer))
            step(match, request, offer, command.actor(scope))
            return [match, request, offer]

        payload = {"id": str(match_id), **payload}
        return self._retrying(lambda: self._execute(command, operation, payload, work))

    # Organisations.
    def register_organisation(
        self,
        command: Command,
        name: str,
        organisation_type: OrganisationType,
        *,
        hxl_name: str = "",
        member_state: MemberState | None = None,
        iati_identifier: str = "",
    ) -> Recorded[Organisation]:
        scope = self._authorise(command, "mutation.registerOrganisation")

        def register() -> list[Aggregate]:
            return [
                Organisation.register(
                    name,
                    organisation_type,
                    hxl_name=hxl_name,
                    member_state=member_state,
                    iati_identifier=iati_identifier,
                    actor=command.actor(scope),
                )
            ]

        payload = {
            "name": name,
            "type": organisation_type.value,
            "hxl_name": hxl_name,
            "member_state": member_state.value if member_state else None,
            "iati_identifier": iati_identifier,
        }
        return self._execute(command, "registerOrganisation", payload, register)

    def suspend_organisation(
        self, command: Command, organisation_id: UUID, reason: str
    ) -> Recorded[Organisation]:
        return self._change_organisation(
            command,
            "suspendOrganisation",
            organisation_id,
            {"reason": reason},
            lambda organisation, actor: organisation.suspend(reason, actor=actor),
        )

    def reinstate_organisation(self, command: Command, organisation_id: UUID) -> Recorded[Organisation]:
        return self._change_organisation(
            command,
            "reinstateOrganisation",
            organisation_id,
            {},
            lambda organisation, actor: organisation.reinstate(actor=actor),
        )

    def get_organisation(self, organisation_id: UUID) -> Organisation:
        return self._get(Organisation, organisation_id, "organisation")

    # The machinery every command shares.
    def _authorise(self, command: Command, operation: str, *owners: Owner) -> Scope:
        scope = authorise(command.principal, operation, *owners)
        self._check_standing(command.principal)
        return scope

    def _check_standing(self, principal: Principal) -> None:
        """A suspended (or unknown) organisation's credentials stop working for commands."""
        if principal.organisation_id is None:
            return
        try:
            organisation = self.get_organisation(principal.organisation_id)
        except NotFound:
            raise Forbidden("the caller's organisation is not registered") from None
        if organisation.suspended:
            raise Forbidden(f"{organisation.name} is suspended")

    def _change_request(
        self,
        command: Command,
        operation: str,
        request_id: UUID,
        payload: Mapping[str, Any],
        change: Callable[[AssistanceRequest, Actor], None],
    ) -> Recorded[AssistanceRequest]:
        return self._change(
            command,
            operation,
            lambda: self.get_request(request_id),
            payload,
            change,
            owner=lambda request: [Owner(member_state=request.member_state)],
        )

    def _change_organisation(
        self,
        command: Command,
        operation: str,
        organisation_id: UUID,
        payload: Mapping[str, Any],
        change: Callable[[Organisation, Actor], None],
    ) -> Recorded[Organisation]:
        return self._change(
            command,
            operation,
            lambda: self.get_organisation(organisation_id),
            {"id": str(organisation_id), **payload},
            change,
        )

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

    def _execute(
        self,
        command: Command,
        operation: str,
        payload: Mapping[str, Any],
        work: Callable[[], list[Aggregate]],
    ) -> Recorded[Any]:
        """Run ``work`` and save what it changed, with a receipt when the command has a key."""
        if command.idempotency_key is None:
            aggregates = work()
            return Recorded(aggregates[0], 0 if command.dry_run else self._save(*aggregates))
        key = check_key(command.idempotency_key)
        receipt = receipt_id(command.principal, key)
        digest = payload_digest(operation, payload)
        if command.dry_run:
            return self._replay(receipt, digest) or Recorded(work()[0], 0)
        with self._in_flight.hold(receipt):
            replay = self._replay(receipt, digest)
            if replay is not None:
                return replay
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
                replay = self._replay(receipt, digest)  # another process recorded it first
                if replay is not None:
                    return replay
                raise

    def _replay(self, receipt: UUID, digest: str) -> Recorded[Any] | None:
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

    def _get(self, kind: type[A], aggregate_id: UUID, name: str) -> A:
        try:
            aggregate: object = self.repository_for(kind).get(aggregate_id, projector_func=_replay)
        except AggregateNotFoundError:
            raise NotFound(name, aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise NotFound(name, aggregate_id)
        return aggregate

    def _save(self, *aggregates: Aggregate) -> int:
        """Save as ``Application.save`` does, but in the group commit shared with concurrent commands;
        the log position of this command's last event."""
        processing = ProcessingEvent[UUID]()
        processing.collect_events(*aggregates)
        stored = [self.mapper.to_stored_event(event) for event in processing.events]
        if not stored:
            return self.recorder.max_notification_id() or 0
        started = time.perf_counter()
        recordings = self._committer.commit(processing.events, stored).recordings
        self._wrote(time.perf_counter() - started)  # the command's wait for its (shared) commit
        if self.repository.cache and not self.repository.fastforward:
            for aggregate_id, aggregate in processing.aggregates.items():
                self.repository.cache.put(aggregate_id, aggregate)
        self._take_snapshots(processing)
        return recordings[-1].notification.id


def _fields_of(value: Any) -> dict[str, Any]:
    """A dataclass's fields by name, as ``dataclasses.asdict`` gives them for flat values but
    without deep-copying each one (this runs for every request posted)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """eventsourcing's ``project_aggregate`` without its per-event ``isinstance`` check against a
    runtime-checkable protocol, which costs more than applying a small event."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate
