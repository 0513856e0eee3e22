"""What the event feed shows each caller: which event types, and which of their fields.

Each aggregate's events are shown to those the policy lets read that aggregate (its ``query.*``
entry); the need-to-know and small-count rules of the GraphQL side apply to their fields too.
Service accounts and idempotency receipts are never shown. An aggregate missing from ``READ_BY``
is not shown either: a test fails until it is added to the table or to ``NEVER_SHOWN``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.access import Actor, Role
from domain.codes import MemberState
from domain.crises import Crisis
from domain.displacement import DisplacementAssessment
from domain.funds import StabilityFund
from domain.havens import SafeHaven, admin1
from domain.matches import Match
from domain.movements import Movement, Place
from domain.offers import Offer
from domain.organisations import Organisation
from domain.pledges import Pledge
from domain.projects import Project
from domain.requests import AssistanceRequest
from domain.rounds import AllocationRound
from domain.security import SecurityArea, SecurityIncident
from projections.disclosure import disclose, disclose_count
from services.idempotency import CommandReceipt
from services.identity.access import Owner, Principal, may
from services.identity.service_accounts import ServiceAccount

#: aggregate → the policy entry that lets a caller read it, and so see its events.
READ_BY: Mapping[type[Aggregate], str] = {
    Crisis: "query.crisis",
    AssistanceRequest: "query.request",
    Offer: "query.offer",
    Match: "query.match",
    Organisation: "query.organisation",
    Pledge: "query.pledge",
    StabilityFund: "query.fund",
    SafeHaven: "query.safeHaven",
    Movement: "query.movement",
    DisplacementAssessment: "query.displacement",
    SecurityIncident: "query.incidents",
    Project: "query.project",
    AllocationRound: "query.allocationRound",
}
#: Credentials and idempotency bookkeeping: no caller's business. A security area's events
#: repeat its incidents' (the feed shows those).
NEVER_SHOWN: tuple[type[Aggregate], ...] = (ServiceAccount, CommandReceipt, SecurityArea)
_LIBRARY_BASES = frozenset({"Event", "Created"})
_ENVELOPE = ("originator_id", "originator_version", "timestamp", "actor")


def event_classes(aggregate: type[Aggregate]) -> list[type[Aggregate.Event]]:
    """The events an aggregate records: its nested event classes, less the ``Event`` and
    ``Created`` bases eventsourcing gives every aggregate (Concord's events have their own names)."""
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, Aggregate.Event) and name not in _LIBRARY_BASES
    ]


def short_name(event_class: type[Any]) -> str:
    """``AssistanceRequest.Posted``: the topic without its module."""
    return get_topic(event_class).split(":", 1)[1]


@dataclasses.dataclass(frozen=True)
class Catalogue:
    """Every event type the feed knows, by topic, short name and aggregate name."""

    aggregate_of: Mapping[str, type[Aggregate]]  # topic → aggregate class

    @classmethod
    def build(cls) -> Catalogue:
        return cls({get_topic(e): a for a in READ_BY for e in event_classes(a)})

    def visible_topics(self, principal: Principal) -> list[str]:
        return sorted(t for t, a in self.aggregate_of.items() if may(principal, READ_BY[a]))

    def resolve(self, names: Iterable[str]) -> set[str]:
        """Topics named by full topic, short name (``Offer.Posted``) or aggregate (``Offer``).

        Raises KeyError with the first name that names nothing the feed shows.
        """
        topics: set[str] = set()
        for name in names:
            matched = {
                topic
                for topic, aggregate in self.aggregate_of.items()
                if name in (topic, topic.split(":", 1)[1], aggregate.__name__)
            }
            if not matched:
                raise KeyError(name)
            topics |= matched
        return topics


def payload_for(principal: Principal, event: Any) -> dict[str, Any]:
    """The event's own fields as the caller may see them, in JSON-ready values."""
    fields = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
    if isinstance(event, SafeHaven.Designated):
        state = MemberState(event.member_state)
        fields["admin1"] = admin1(event.admin_code, state)
        if not may(principal, "SafeHaven.location", Owner(member_state=state)):
            fields.update(admin_code=None, latitude=None, longitude=None)
    people_events = (
        SafeHaven.Admitted,
        SafeHaven.Departed,
        SafeHaven.CapacityReserved,
        SafeHaven.MovementReceived,
        SafeHaven.MovementSentOff,
    )
    if isinstance(event, people_events):
        fields["people"] = disclose_count(principal.role, event.people)
    if isinstance(event, Movement.Arrived):
        fields["people_arrived"] = disclose_count(principal.role, event.people_arrived)
    if isinstance(event, Movement.Planned):
        fields["group"] = disclose(principal.role, event.group).cells
        fields["vulnerable"] = disclose(principal.role, event.vulnerable, with_total=False).cells
        places = [Place.from_dict(event.origin), Place.from_dict(event.destination)]
        owners = [Owner(member_state=p.member_state) for p in places if p.member_state]
        if not may(principal, "Movement.destinationAdminCode", *owners):
            fields["origin"] = {**event.origin, "admin_code": None}
            fields["destination"] = {**event.destination, "admin_code": None}
    if isinstance(event, SecurityIncident.Reported):
        owner = Owner(member_state=MemberState(event.member_state))
        if not may(principal, "SecurityIncident.description", owner):
            fields.update(description=None, affected_organisations=None)
    if isinstance(event, DisplacementAssessment.Recorded):
        state = MemberState(event.member_state)
        if not may(principal, "Movement.destinationAdminCode", Owner(member_state=state)):
            fields["admin_code"] = admin1(event.admin_code, state)
    return {key: plain(value) for key, value in fields.items()}


def actor_for(principal: Principal, event: Any) -> dict[str, Any] | None:
    """Who did it: everything for the secretariat and for the actor itself, else the role only."""
    actor = getattr(event, "actor", None)
    if not isinstance(actor, Actor):
        return None
    if principal.role is Role.SECRETARIAT or principal.did(actor):
        return actor.as_dict()
    return {"role": actor.role}


def plain(value: Any) -> Any:
    """A value as JSON carries it: decimals and ids as strings, dates in ISO 8601."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)  # Decimal (never a float), UUID
