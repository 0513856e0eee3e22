"""Organisations that give or coordinate assistance, registered by the secretariat."""

from __future__ import annotations

import enum
import re
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.errors import InvalidInput, InvalidTransition
from domain.text import check_characters

NAME_MAX = 200
#: An IATI organisation identifier: a registration agency's code (country or XM/XI) and list, then
#: the number in that list, e.g. ``XM-DAC-41114``; IATI forbids spaces and ``/ & | ?`` in it.
IATI_IDENTIFIER = re.compile(r"[A-Z]{2}-[A-Z0-9]+-[^\s/&|?]{1,80}")


class OrganisationType(enum.Enum):
    """Kinds of organisation, as OCHA FTS and IATI tell donors and implementers apart."""

    MEMBER_STATE_GOVERNMENT = "member-state-government"
    DIALOGUE_PARTNER = "dialogue-partner"
    UN_AGENCY = "un-agency"
    INTERNATIONAL_FINANCIAL_INSTITUTION = "international-financial-institution"
    RED_CROSS_RED_CRESCENT = "red-cross-red-crescent"
    NGO = "ngo"
    PRIVATE = "private"


class Organisation(Aggregate):
    class Registered(Aggregate.Created):
        actor: Actor
        name: str
        organisation_type: str
        hxl_name: str
        member_state: str | None
        iati_identifier: str | None

        class_version = 2  # v1 had no IATI identifier: see upcast_v1_v2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Organisations registered before IATI identifiers were kept had none."""
            state["iati_identifier"] = None

    class Suspended(Aggregate.Event):
        actor: Actor
        reason: str

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Organisation)
            aggregate.suspended = True

    class Reinstated(Aggregate.Event):
        actor: Actor

        def apply(self, aggregate: Any) -> None:
            assert isinstance(aggregate, Organisation)
            aggregate.suspended = False

    def __init__(
        self,
        actor: Actor,
        name: str,
        organisation_type: str,
        hxl_name: str,
        member_state: str | None,
        iati_identifier: str | None,
    ) -> None:
        self.registered_by = actor
        self.name = name
        self.organisation_type = OrganisationType(organisation_type)
        self.hxl_name = hxl_name
        self.member_state = MemberState(member_state) if member_state else None
        self.iati_identifier = iati_identifier
        self.suspended = False

    @classmethod
    def register(
        cls,
        name: str,
        organisation_type: OrganisationType,
        *,
        actor: Actor,
        hxl_name: str = "",
        member_state: MemberState | None = None,
        iati_identifier: str = "",
    ) -> Organisation:
        """Register an organisation; its HXL ``#org`` name defaults to its name. ``iati_identifier``
        only where it is registered with IATI: the exports name it by it."""
        name = check_characters("name", name).strip()
        if not name or len(name) > NAME_MAX:
            raise InvalidInput("name", f"must be 1 to {NAME_MAX} characters")
        hxl_name = check_characters("hxlName", hxl_name).strip() or name
        if len(hxl_name) > NAME_MAX:
            raise InvalidInput("hxlName", f"must be at most {NAME_MAX} characters")
        is_government = organisation_type is OrganisationType.MEMBER_STATE_GOVERNMENT
        if is_government != (member_state is not None):
            raise InvalidInput("memberState", "is required for a member-state government, and only for one")
        iati_identifier = check_characters("iatiIdentifier", iati_identifier).strip()
        if iati_identifier and not IATI_IDENTIFIER.fullmatch(iati_identifier):
            raise InvalidInput(
                "iatiIdentifier", "must be an IATI organisation identifier, such as XM-DAC-41114"
            )
        return cls._create(
            cls.Registered,
            id=uuid4(),
            actor=actor,
            name=name,
            organisation_type=organisation_type.value,
            hxl_name=hxl_name,
            member_state=member_state.value if member_state else None,
            iati_identifier=iati_identifier or None,
        )

    def suspend(self, reason: str, *, actor: Actor) -> None:
        if self.suspended:
            raise InvalidTransition(f"organisation {self.id} is already suspended")
        self.trigger_event(
            self.Suspended, actor=actor, reason=check_characters("reason", reason).strip()[:1000]
        )

    def reinstate(self, *, actor: Actor) -> None:
        if not self.suspended:
            raise InvalidTransition(f"organisation {self.id} is not suspended")
        self.trigger_event(self.Reinstated, actor=actor)
