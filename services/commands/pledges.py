"""Commands on money: pledges followed to payment, and the Stability Fund's ledger.

A mixin of the Concord application: each command authorises, then saves every aggregate it
changed in one transaction (a payment to the fund records on the pledge and on the fund).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Actor, Role
from domain.codes import MemberState
from domain.funds import FundWindow, StabilityFund
from domain.money import Conversion
from domain.pledges import DestinationKind, Earmarking, Pledge
from services.access import Forbidden, Owner

if TYPE_CHECKING:
    from services.coordination import Command, Concord, Recorded


class Finance:
    def make_pledge(
        self: Concord,
        command: Command,
        *,
        destination_kind: DestinationKind,
        destination_id: UUID,
        amount: Decimal,
        currency: str,
        conversion: Conversion,
        earmarking: Earmarking,
        in_kind: bool = False,
        annual_portions: list[tuple[int, Decimal]] | None = None,
        description: str = "",
    ) -> Recorded[Pledge]:
        """A donor's organisation pledges, to a fund, a request, a project or a crisis."""
        principal = command.principal
        if principal.role is not Role.DONOR or principal.organisation_id is None:
            raise Forbidden("pledges are made by donors, for their own organisation")
        organisation = principal.organisation_id
        scope = self._authorise(command, "mutation.makePledge", Owner(organisation_id=organisation))

        def make() -> list[Aggregate]:
            self._check_destination(destination_kind, destination_id)
            pledge = Pledge.make(
                organisation_id=organisation,
                destination_kind=destination_kind,
                destination_id=destination_id,
                amount=amount,
                currency=currency,
                conversion=conversion,
                earmarking=earmarking,
                in_kind=in_kind,
                annual_portions=annual_portions,
                description=description,
                actor=command.actor(scope),
            )
            return [pledge]

        payload = {
            "to": f"{destination_kind.value}:{destination_id}",
            "amount": str(amount),
            "currency": currency,
            "rate": str(conversion.usd_rate),
            "on": conversion.on.isoformat(),
            "earmarking": earmarking.value,
            "in_kind": in_kind,
            "portions": [[y, str(a)] for y, a in annual_portions or []],
            "description": description,
        }
        return self._execute(command, "makePledge", payload, make)

    def commit_pledge(
        self: Concord, command: Command, pledge_id: UUID, due_date: date, reference: str
    ) -> Recorded[Pledge]:
        return self._change(
            command,
            "commitPledge",
            lambda: self.get_pledge(pledge_id),
            {"id": str(pledge_id), "due": due_date.isoformat(), "reference": reference},
            lambda pledge, actor: pledge.commit(due_date, reference, actor=actor),
            owner=lambda pledge: [Owner(organisation_id=pledge.organisation_id)],
        )

    def cancel_pledge(self: Concord, command: Command, pledge_id: UUID, reason: str) -> Recorded[Pledge]:
        return self._change(
            command,
            "cancelPledge",
            lambda: self.get_pledge(pledge_id),
            {"id": str(pledge_id), "reason": reason},
            lambda pledge, actor: pledge.cancel(reason, actor=actor),
            owner=lambda pledge: [Owner(organisation_id=pledge.organisation_id)],
        )

    def record_payment(
        self: Concord,
        command: Command,
        pledge_id: UUID,
        amount: Decimal,
        conversion: Conversion,
        paid_on: date,
    ) -> Recorded[Pledge]:
        """A payment against a commitment; paid to a fund, it is a contribution on its ledger too."""

        def work() -> list[Aggregate]:
            pledge = self.get_pledge(pledge_id)
            scope = self._authorise(
                command, "mutation.recordPayment", Owner(organisation_id=pledge.organisation_id)
            )
            actor = command.actor(scope)
            payment_id = pledge.record_payment(amount, conversion, paid_on, actor=actor)
            changed: list[Aggregate] = [pledge]
            if pledge.destination_kind is DestinationKind.FUND:
                fund = self.get_fund(pledge.destination_id)
                fund.receive(pledge.id, payment_id, pledge.payments[payment_id].usd_amount, actor=actor)
                changed.append(fund)
            return changed

        payload = {
            "id": str(pledge_id),
            "amount": str(amount),
            "rate": str(conversion.usd_rate),
            "paid_on": paid_on.isoformat(),
        }
        return self._retrying(lambda: self._execute(command, "recordPayment", payload, work))

    def refund_payment(
        self: Concord, command: Command, pledge_id: UUID, payment_id: UUID, amount: Decimal, reason: str
    ) -> Recorded[Pledge]:
        def work() -> list[Aggregate]:
            pledge = self.get_pledge(pledge_id)
            scope = self._authorise(command, "mutation.refundPayment")
            actor = command.actor(scope)
            usd = pledge.refund(payment_id, amount, reason, actor=actor)
            changed: list[Aggregate] = [pledge]
            if pledge.destination_kind is DestinationKind.FUND:
                fund = self.get_fund(pledge.destination_id)
                fund.return_contribution(pledge.id, payment_id, usd, actor=actor)
                changed.append(fund)
            return changed

        payload = {"id": str(pledge_id), "payment": str(payment_id), "amount": str(amount), "reason": reason}
        return self._retrying(lambda: self._execute(command, "refundPayment", payload, work))

    def get_pledge(self: Concord, pledge_id: UUID) -> Pledge:
        return self._get(Pledge, pledge_id, "pledge")

    def open_fund(
        self: Concord, command: Command, name: str, member_state: MemberState | None = None
    ) -> Recorded[StabilityFund]:
        scope = self._authorise(command, "mutation.openFund")

        def open_() -> list[Aggregate]:
            return [StabilityFund.open(name, member_state=member_state, actor=command.actor(scope))]

        payload = {"name": name, "member_state": member_state.value if member_state else None}
        return self._execute(command, "openFund", payload, open_)

    def allocate_from_fund(
        self: Concord,
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
            self._check_destination(destination_kind, destination_id)
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
        self: Concord, command: Command, fund_id: UUID, allocation_id: UUID, usd_amount: Decimal
    ) -> Recorded[StabilityFund]:
        return self._change(
            command,
            "disburse",
            lambda: self.get_fund(fund_id),
            {"fund": str(fund_id), "allocation": str(allocation_id), "usd": str(usd_amount)},
            lambda fund, actor: _disburse(fund, allocation_id, usd_amount, actor),
        )

    def get_fund(self: Concord, fund_id: UUID) -> StabilityFund:
        return self._get(StabilityFund, fund_id, "fund")

    def approved_allocation(self: Concord, fund: StabilityFund) -> StabilityFund.AllocationApproved:
        """The allocation whose approval brought ``fund`` to its version (as ``allocate_from_fund``
        returns it), from its event: the fund itself keeps no rationale, nor anything once disbursed."""
        [event] = self.events.get(fund.id, gt=fund.version - 1, lte=fund.version)
        if not isinstance(event, StabilityFund.AllocationApproved):
            msg = f"fund {fund.id} at version {fund.version} was not brought there by an allocation"
            raise TypeError(msg)
        return event

    def _check_destination(self: Concord, kind: DestinationKind, destination_id: UUID) -> None:
        """The destination must exist; a project must also be planned or under way."""
        if kind is DestinationKind.FUND:
            self.get_fund(destination_id)
        elif kind is DestinationKind.REQUEST:
            self.get_request(destination_id)
        elif kind is DestinationKind.CRISIS:
            self.get_crisis(destination_id)
        else:
            self._fundable_project(destination_id)


def _disburse(fund: StabilityFund, allocation_id: UUID, usd_amount: Decimal, actor: Actor) -> None:
    fund.disburse(allocation_id, usd_amount, actor=actor)
