"""Displacement figures of an area, in the IOM Displacement Tracking Matrix's terms.

Stocks per admin area: internally displaced persons (``displaced``), returnees — former IDPs
and refugees back in their area of origin (``returned``) — and IDPs resettled elsewhere in their
country (``resettled``). A DTM baseline assessment sets an area's stocks as of a date; movements
that arrive change them between assessments (see ``stock_changes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.errors import InvalidInput
from domain.movements import GROUP_MAX, MovementKind, Place
from domain.requests import check_admin_code
from domain.text import text

STOCK_MAX = 100 * GROUP_MAX


class DisplacementAssessment(Aggregate):
    """One area's figures as an assessment found them (a DTM baseline or site assessment)."""

    class Recorded(Aggregate.Created):
        actor: Actor
        crisis_id: UUID
        member_state: str
        admin_code: str
        as_of: date
        displaced: int
        returned: int
        resettled: int
        source: str

    def __init__(
        self,
        actor: Actor,
        crisis_id: UUID,
        member_state: str,
        admin_code: str,
        as_of: date,
        displaced: int,
        returned: int,
        resettled: int,
        source: str,
    ) -> None:
        self.recorded_by = actor
        self.crisis_id = crisis_id
        self.member_state = MemberState(member_state)
        self.admin_code = admin_code
        self.as_of = as_of
        self.displaced = displaced
        self.returned = returned
        self.resettled = resettled
        self.source = source

    @classmethod
    def record(
        cls,
        crisis_id: UUID,
        member_state: MemberState,
        admin_code: str,
        *,
        as_of: date,
        displaced: int,
        returned: int,
        resettled: int,
        source: str,
        today: date,
        actor: Actor,
    ) -> DisplacementAssessment:
        if as_of > today:
            raise InvalidInput("asOf", f"{as_of.isoformat()} is in the future")
        for field, value in (("displaced", displaced), ("returned", returned), ("resettled", resettled)):
            if not 0 <= value <= STOCK_MAX:
                raise InvalidInput(field, f"must be from 0 to {STOCK_MAX:,}")
        return cls._create(
            cls.Recorded,
            id=uuid4(),
            actor=actor,
            crisis_id=crisis_id,
            member_state=member_state.value,
            admin_code=check_admin_code(member_state, admin_code),
            as_of=as_of,
            displaced=displaced,
            returned=returned,
            resettled=resettled,
            source=text("source", source, 200, required=True),
        )


@dataclass(frozen=True)
class StockChange:
    """A change of one area's stocks, caused by a movement's arrival."""

    country: str
    admin_code: str
    displaced: int = 0
    returned: int = 0
    resettled: int = 0


def stock_changes(kind: MovementKind, origin: Place, destination: Place, people: int) -> list[StockChange]:
    """How the arrival of ``people`` changes the stocks of the areas they left and reached.

    Refugees repatriated are returnees where they arrive (they were not counted as IDPs here);
    IDPs who return or resettle leave the displaced stock of their area of displacement; those
    relocated stay displaced, in their new area.
    """
    changes: list[StockChange] = []
    if kind is not MovementKind.REFUGEE_REPATRIATION and origin.admin_code is not None:
        changes.append(StockChange(origin.country, origin.admin_code, displaced=-people))
    assert destination.admin_code is not None
    arrived = {
        MovementKind.REFUGEE_REPATRIATION: StockChange(
            destination.country, destination.admin_code, returned=people
        ),
        MovementKind.IDP_RETURN: StockChange(destination.country, destination.admin_code, returned=people),
        MovementKind.IDP_RESETTLEMENT: StockChange(
            destination.country, destination.admin_code, resettled=people
        ),
        MovementKind.RELOCATION: StockChange(destination.country, destination.admin_code, displaced=people),
    }[kind]
    changes.append(arrived)
    return changes
