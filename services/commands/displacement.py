"""Commands on displacement figures: an assessment of an area's displaced, returned and resettled.

The area's member state (or the secretariat) records a DTM assessment's stocks as of a date, from
its source; movements that arrive change them between assessments.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.codes import MemberState
from domain.displacement import DisplacementAssessment
from services.commands.core import Command, CommandCore, Recorded
from services.commands.crises import open_crisis_named
from services.identity.access import Owner


class DisplacementCommands(CommandCore):
    def record_displacement_figures(
        self,
        command: Command,
        crisis_id: UUID,
        member_state: MemberState,
        admin_code: str,
        *,
        as_of: date,
        displaced: int,
        returned: int,
        resettled: int,
        source: str,
    ) -> Recorded[DisplacementAssessment]:
        scope = self._authorise(
            command, "mutation.recordDisplacementFigures", Owner(member_state=member_state)
        )

        def record() -> list[Aggregate]:
            open_crisis_named(self, crisis_id)
            assessment = DisplacementAssessment.record(
                crisis_id,
                member_state,
                admin_code,
                as_of=as_of,
                displaced=displaced,
                returned=returned,
                resettled=resettled,
                source=source,
                today=self.today(),
                actor=command.actor(scope),
            )
            return [assessment]

        payload: dict[str, Any] = {
            "crisis": str(crisis_id),
            "state": member_state.value,
            "admin": admin_code,
            "as_of": as_of.isoformat(),
            "figures": [displaced, returned, resettled],
            "source": source,
        }
        return self._execute(command, "recordDisplacementFigures", payload, record)
