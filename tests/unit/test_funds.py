"""The Stability Fund's state, in the domain alone: running totals and the open allocations only,
always what its events add up to, so that a command's cost does not grow with the fund's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, InvalidInput
from domain.funds import Allocation, AllocationBalance, FundWindow, StabilityFund
from domain.pledges import DestinationKind
from tests.snapshot_scenarios import ACTOR

ZERO = Decimal(0)
# Few distinct amounts, so that allocations are often disbursed exactly to the end.
dollars = st.sampled_from(["1", "5", "10", "25", "40", "2.50"]).map(Decimal)
contributions = st.sampled_from(["50", "100", "250"]).map(Decimal)
commands = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), contributions),
        st.tuples(st.just("refund"), dollars),
        st.tuples(st.just("allocate"), dollars),
        st.tuples(st.just("disburse"), dollars, st.integers(0, 30)),
        st.tuples(st.just("disburse"), dollars, st.integers(0, 30)),
    ),
    max_size=80,
)


def _fund() -> StabilityFund:
    return StabilityFund.open("ASEAN Stability Fund", actor=ACTOR)


def _allocate(fund: StabilityFund, usd: str) -> UUID:
    return fund.allocate(
        FundWindow.STANDARD, DestinationKind.REQUEST, uuid4(), Decimal(usd), "roofs", actor=ACTOR
    )


@dataclass
class FromEvents:
    """The fund's figures added up from its events, as a reader of the record would."""

    totals: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(_TOTALS.values(), ZERO))
    approved: dict[UUID, Decimal] = field(default_factory=dict)
    paid_out: dict[UUID, Decimal] = field(default_factory=dict)

    def add(self, event: Any) -> None:
        if (total := _TOTALS.get(type(event))) is not None:
            self.totals[total] += event.usd_amount
        if isinstance(event, StabilityFund.AllocationApproved):
            self.approved[event.allocation_id] = event.usd_amount
            self.paid_out[event.allocation_id] = ZERO
        elif isinstance(event, StabilityFund.Disbursed):
            self.paid_out[event.allocation_id] += event.usd_amount

    def open(self) -> dict[UUID, AllocationBalance]:
        return {
            allocation_id: AllocationBalance(usd, self.paid_out[allocation_id])
            for allocation_id, usd in self.approved.items()
            if self.paid_out[allocation_id] < usd
        }


_TOTALS = {
    StabilityFund.ContributionReceived: "received",
    StabilityFund.ContributionRefunded: "refunded",
    StabilityFund.AllocationApproved: "allocated",
    StabilityFund.Disbursed: "disbursed",
}


@given(commands)
def test_the_totals_and_open_allocations_are_what_the_events_add_up_to(steps: list[Any]) -> None:
    fund = _fund()
    record = FromEvents()
    record.add(fund.collect_events()[0])
    approved: list[UUID] = []
    for name, usd, *pick in steps:
        try:
            if name == "receive":
                fund.receive(uuid4(), uuid4(), usd, actor=ACTOR)
            elif name == "refund":
                fund.return_contribution(uuid4(), uuid4(), usd, actor=ACTOR)
            elif name == "allocate":
                approved.append(_allocate(fund, str(usd)))
            else:
                allocation_id = approved[pick[0] % len(approved)] if approved else uuid4()
                fund.disburse(allocation_id, usd, actor=ACTOR)
        except InvalidInput as refused:
            # Refused for the reason the record gives: closed or unknown, or beyond what is left.
            open_ = record.open()
            if refused.field == "allocationId":
                assert allocation_id not in open_
            else:
                assert usd > open_[allocation_id].undisbursed
        except DomainError:
            pass
        for event in fund.collect_events():
            record.add(event)

        assert {name: getattr(fund, name) for name in record.totals} == record.totals
        assert (
            fund.balance == record.totals["received"] - record.totals["refunded"] - record.totals["allocated"]
        )
        assert fund.balance >= 0
        assert fund.open_allocations == record.open()
        assert all(0 <= a.disbursed < a.usd_amount for a in fund.open_allocations.values())
    assert all(record.paid_out[a] <= usd for a, usd in record.approved.items())


def test_a_fully_disbursed_allocation_leaves_the_state() -> None:
    fund = _fund()
    fund.receive(uuid4(), uuid4(), Decimal(100), actor=ACTOR)
    roofs = _allocate(fund, "60")
    school = _allocate(fund, "30")
    fund.disburse(roofs, Decimal(20), actor=ACTOR)
    fund.disburse(roofs, Decimal(40), actor=ACTOR)

    assert fund.open_allocations == {school: AllocationBalance(Decimal(30))}
    assert (fund.allocated, fund.disbursed, fund.balance) == (Decimal(90), Decimal(60), Decimal(10))
    assert set(vars(fund)) == {
        "_id",
        "_version",
        "_pending_events",
        "_created_on",
        "_modified_on",
        "opened_by",
        "name",
        "member_state",
        "received",
        "refunded",
        "allocated",
        "disbursed",
        "open_allocations",
    }  # nothing else that could grow with the fund's history; fmt: skip


def test_disbursing_an_unknown_or_a_fully_disbursed_allocation_is_refused_by_its_id() -> None:
    """The state keeps no closed ids (it stays bounded), so one message covers both cases."""
    fund = _fund()
    fund.receive(uuid4(), uuid4(), Decimal(100), actor=ACTOR)
    roofs = _allocate(fund, "60")
    fund.disburse(roofs, Decimal(60), actor=ACTOR)

    for allocation_id in (roofs, uuid4()):
        with pytest.raises(InvalidInput, match=r"no open allocation .* or it is fully disbursed") as refused:
            fund.disburse(allocation_id, Decimal(1), actor=ACTOR)
        assert refused.value.field == "allocationId"
        assert str(allocation_id) in refused.value.reason


def test_disbursing_beyond_an_open_allocation_is_refused_by_its_amount() -> None:
    fund = _fund()
    fund.receive(uuid4(), uuid4(), Decimal(100), actor=ACTOR)
    roofs = _allocate(fund, "60")
    fund.disburse(roofs, Decimal(50), actor=ACTOR)

    with pytest.raises(InvalidInput, match=r"would exceed the allocation \(50 of 60 USD disbursed\)"):
        fund.disburse(roofs, Decimal("10.01"), actor=ACTOR)


def test_a_v1_state_is_upcast_to_totals_and_the_open_allocations() -> None:
    roofs, school, well = uuid4(), uuid4(), uuid4()

    def held(usd: str, disbursed: str) -> Allocation:
        return Allocation(
            FundWindow.RESERVE, DestinationKind.REQUEST, uuid4(), Decimal(usd), "why", "officer@asean.org",
            Decimal(disbursed),
        )  # fmt: skip

    state: dict[str, Any] = {
        "name": "ASEAN Stability Fund",
        "received": Decimal(500),
        "refunded": ZERO,
        "allocations": {roofs: held("300", "300"), school: held("100.25", "50"), well: held("40", "0")},
    }
    StabilityFund.upcast_v1_v2(state)

    assert state == {
        "name": "ASEAN Stability Fund",
        "received": Decimal(500),
        "refunded": ZERO,
        "allocated": Decimal("440.25"),
        "disbursed": Decimal(350),
        "open_allocations": {
            school: AllocationBalance(Decimal("100.25"), Decimal(50)),
            well: AllocationBalance(Decimal(40), ZERO),
        },
    }
