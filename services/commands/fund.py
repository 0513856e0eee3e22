"""Commands on the Stability Fund: opened by the secretariat, allocated from by its decision, disbursed.

The fund's ledger is its aggregate: contributions arrive with payments on pledges
(``services.commands.pledges``), allocations and disbursements are decided here. Money, pledged
or allocated, goes to a destination that must exist (``check_destination``).
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Actor
from domain.codes import MemberState
from domain.funds import FundWindow, StabilityFund
from domain.pledges import DestinationKind
from services.commands.core import Command, CommandCore, Recorded
from services.commands.crises import find_crisis
from services.commands.projects import fundable_project
from services.commands.requests import find_request


def find_fund(core: CommandCore, fund_id: UUID) -> StabilityFund:
    return core.load(StabilityFund, fund_id, "fund")


def check_destination(core: CommandCore, kind: DestinationKind, destination_id: UUID) -> None:
    """The destination must exist; a project must also be planned or under way."""
    if kind is DestinationKind.FUND:
        find_fund(core, destination_id)
    elif kind is DestinationKind.REQUEST:
        find_request(core, destination_id)
    elif kind is DestinationKind.CRISIS:
        find_crisis(core, destination_id)
    else:
        fundable_project(core, destination_id)


class FundCommands(CommandCore):
    def open_fund(
        self, command: Command, name: str, member_state: MemberState | None = None
    ) -> Recorded[StabilityFund]:
        scope = self._authorise(command, "mutation.openFund")

        def open_() -> list[Aggregate]:
            return [StabilityFund.open(name, member_state=member_state, actor=command.actor(scope))]

        payload = {"name": name, "member_state": member_state.value if member_state else None}
        return self._execute(command, "openFund", payload, open_)

    def allocate_from_fund(
        self,
        command: Command,
        fund_id: UUID,
        *,
        window: FundWindow,
        destination_kind: DestinationKind,
        destination_id: UUID,
        usd_amount: Decimal,
        rationale: str,
    ) -> Recorded[StabilityFund]:
        """The secretariat's decision, on record; concurrent allocations never overdraw the fund
        (each saves the fund at the version it read)."""

        def allocate(fund: StabilityFund, actor: Actor) -> None:
            check_destination(self, destination_kind, destination_id)
            fund.allocate(window, destination_kind, destination_id, usd_amount, rationale, actor=actor)

        payload = {
            "fund": str(fund_id),
            "window": window.value,
            "to": f"{destination_kind.value}:{destination_id}",
            "usd": str(usd_amount),
            "rationale": rationale,
        }
        return self._change(command, "allocateFromFund", lambda: self.get_fund(fund_id), payload, allocate)

    def disburse(
        self, command: Command, fund_id: UUID, allocation_id: UUID, usd_amount: Decimal
    ) -> Recorded[StabilityFund]:
        return self._change(
            command,
            "disburse",
            lambda: self.get_fund(fund_id),
            {"fund": str(fund_id), "allocation": str(allocation_id), "usd": str(usd_amount)},
            lambda fund, actor: _disburse(fund, allocation_id, usd_amount, actor),
        )

    def get_fund(self, fund_id: UUID) -> StabilityFund:
        return find_fund(self, fund_id)

    def approved_allocation(self, fund: StabilityFund) -> StabilityFund.AllocationApproved:
        """The allocation whose approval brought ``fund`` to its version (as ``allocate_from_fund``
        returns it), from its event: the fund itself keeps no rationale, nor anything once disbursed."""
        event = self.event_at(fund.id, fund.version)
        if not isinstance(event, StabilityFund.AllocationApproved):
            msg = f"fund {fund.id} at version {fund.version} was not brought there by an allocation"
            raise TypeError(msg)
        return event


def _disburse(fund: StabilityFund, allocation_id: UUID, usd_amount: Decimal, actor: Actor) -> None:
    fund.disburse(allocation_id, usd_amount, actor=actor)
