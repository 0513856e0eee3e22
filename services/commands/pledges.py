"""Commands on pledges: a donor's promise followed to commitment, payment and refund (FTS's terms).

A donor pledges for its own organisation, to a fund, a request, a project or a crisis. A payment
to the Stability Fund is a contribution on its ledger too: the pledge and the fund are saved in
one transaction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.access import Role
from domain.money import Conversion
from domain.pledges import DestinationKind, Earmarking, Pledge
from services.commands.core import Command, CommandCore, Recorded
from services.commands.fund import check_destination, find_fund
from services.identity.access import Forbidden, Owner


class PledgeCommands(CommandCore):
    def make_pledge(
        self,
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
            check_destination(self, destination_kind, destination_id)
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
        self, command: Command, pledge_id: UUID, due_date: date, reference: str
    ) -> Recorded[Pledge]:
        return self._change(
            command,
            "commitPledge",
            lambda: self.get_pledge(pledge_id),
            {"id": str(pledge_id), "due": due_date.isoformat(), "reference": reference},
            lambda pledge, actor: pledge.commit(due_date, reference, actor=actor),
            owner=lambda pledge: [Owner(organisation_id=pledge.organisation_id)],
        )

    def cancel_pledge(self, command: Command, pledge_id: UUID, reason: str) -> Recorded[Pledge]:
        return self._change(
            command,
            "cancelPledge",
            lambda: self.get_pledge(pledge_id),
            {"id": str(pledge_id), "reason": reason},
            lambda pledge, actor: pledge.cancel(reason, actor=actor),
            owner=lambda pledge: [Owner(organisation_id=pledge.organisation_id)],
        )

    def record_payment(
        self,
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
                fund = find_fund(self, pledge.destination_id)
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
        self, command: Command, pledge_id: UUID, payment_id: UUID, amount: Decimal, reason: str
    ) -> Recorded[Pledge]:
        def work() -> list[Aggregate]:
            pledge = self.get_pledge(pledge_id)
            scope = self._authorise(command, "mutation.refundPayment")
            actor = command.actor(scope)
            usd = pledge.refund(payment_id, amount, reason, actor=actor)
            changed: list[Aggregate] = [pledge]
            if pledge.destination_kind is DestinationKind.FUND:
                fund = find_fund(self, pledge.destination_id)
                fund.return_contribution(pledge.id, payment_id, usd, actor=actor)
                changed.append(fund)
            return changed

        payload = {"id": str(pledge_id), "payment": str(payment_id), "amount": str(amount), "reason": reason}
        return self._retrying(lambda: self._execute(command, "refundPayment", payload, work))

    def get_pledge(self, pledge_id: UUID) -> Pledge:
        return self.load(Pledge, pledge_id, "pledge")
