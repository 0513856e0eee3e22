"""The flow totals read models give, to the byte, what adding up every flow gave, grouped by any of
source, status, year, member state, sector and crisis: on the demo's data, with requests given to
moved to another sector and cancelled, cancelled pledges, fractional payments and refunds on top,
live and after a rebuild, read prepared or through SQLAlchemy."""

# The lambdas handed to Demo.attempt run at once, inside it: late binding cannot bite (B023).
# ruff: noqa: B023
from __future__ import annotations

import re
from decimal import Decimal
from itertools import combinations
from uuid import UUID

from sqlalchemy import Table, select

from domain.items import ITEMS
from domain.money import Conversion
from domain.pledges import DestinationKind, Earmarking
from projections.finance.tables import fund_allocations, pledge_payments, pledges
from projections.flow_totals.projector import FlowTotalsProjector
from projections.flows import queries as flow_queries
from projections.receiver_flow_totals.projector import ReceiverFlowTotalsProjector
from projections.receiver_flow_totals.tables import (
    receiver_flow_totals,
    receiver_flow_totals_destinations,
    receiver_flow_totals_flows,
)
from services.api.schema.flows import FlowGroup, flow_totals_for, flows_added_up
from services.bootstrap import Runtime, start, storage_for
from services.coordination import Concord
from services.demo import Demo
from services.settings import Settings
from tests.conftest import fixed_today
from tests.integration.test_projections import runner_for

GROUPS = tuple(FlowGroup)


async def both(runtime: Runtime) -> list[tuple[list[str], list[str]]]:
    """For every grouping and a few years: the flows added up one by one (as ``flowTotals`` did
    before the read models) beside the read models' answer, each total as its repr (Decimal('4.0')
    and Decimal('4') differ)."""
    engine = runtime.read_engine
    unprepared = engine.execution_options(schema_translate_map={None: None})
    pairs = []
    for year in (None, fixed_today().year, fixed_today().year - 1):
        rows = await flow_queries.flows(engine, year=year)
        for size in range(len(GROUPS) + 1):
            for groups in combinations(GROUPS, size):
                old = flows_added_up(rows, set(groups))
                new = await flow_totals_for(engine, set(groups), year)
                pairs.append(([repr(t) for t in old], [repr(t) for t in new]))
                # Read through SQLAlchemy (as on a shadow rebuild's tables) rather than prepared.
                translated = await flow_totals_for(unprepared, set(groups), year)
                pairs.append(([repr(t) for t in old], [repr(t) for t in translated]))
    return pairs


async def change_requests_given_to(runtime: Runtime, demo: Demo) -> int:
    """Requests pledges or allocations went to: most moved to another sector (some twice, back to
    their first), every fifth cancelled. How many were moved."""
    p, a = pledges.c, fund_allocations.c
    async with runtime.read_engine.connect() as conn:
        given_to = {UUID(str(r[0])) for r in await conn.execute(select(p.destination_id))}
        given_to |= {UUID(str(r[0])) for r in await conn.execute(select(a.destination_id))}
    moved = 0
    for index, (request_id, state, need, _) in enumerate(r for r in demo.requests if r[0] in given_to):
        command = demo.coordinator(state)
        if index % 5 == 4:
            demo.attempt("request cancelled", lambda: demo.concord.cancel_request(command, request_id, "dup"))
            continue
        other = next(
            i for i in ITEMS.values() if i.sector != need.sector and not i.sector.value.startswith("PB_")
        )
        moves = [(other.sector, other.code, other.unit)]
        if index % 5 == 3:
            moves.append((need.sector, need.item, need.unit))
        for sector, item, unit in moves:
            demo.attempt(
                "resectored",
                lambda: demo.concord.amend_request(command, request_id, sector=sector, item=item, unit=unit),
            )
        moved += 1
    return moved


async def change_pledges(runtime: Runtime, demo: Demo) -> None:
    """Some pledges cancelled, fractional payments on commitments, and part of some payments refunded."""
    p, pay = pledges.c, pledge_payments.c
    async with runtime.read_engine.connect() as conn:
        rows = [
            (UUID(str(r.id)), UUID(str(r.organisation_id)), r.status, r.usd_rate)
            for r in await conn.execute(select(p.id, p.organisation_id, p.status, p.usd_rate))
        ]  # asyncpg's UUIDs are not the event store's
        payments = [
            (UUID(str(r.pledge_id)), UUID(str(r.payment_id)))
            for r in await conn.execute(select(pay.pledge_id, pay.payment_id).limit(8))
        ]
    names = {organisation: name for name, organisation in demo.organisations.items()}
    for pledge_id, organisation, _, _ in [r for r in rows if r[2] == "pledged"][:2]:
        command = demo.donor(names[organisation])
        demo.attempt("cancelled", lambda: demo.concord.cancel_pledge(command, pledge_id, "withdrawn"))
    for pledge_id, _, _, rate in [r for r in rows if r[2] == "committed"][:8]:
        paid_on = fixed_today()
        demo.attempt(
            "paid in part",
            lambda: demo.concord.record_payment(
                demo.secretariat, pledge_id, Decimal("1234.5"), Conversion(rate, paid_on), paid_on
            ),
        )
    for pledge_id, payment_id in payments:
        demo.attempt(
            "refunded",
            lambda: demo.concord.refund_payment(
                demo.secretariat, pledge_id, payment_id, Decimal("100.25"), "overpaid"
            ),
        )


async def test_the_flow_totals_read_model_answers_as_the_sum_over_every_flow(settings: Settings) -> None:
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    demo = Demo(concord, seed=11, scale=0.05)
    demo.run()
    runtime = await start(settings, today=fixed_today)
    try:
        assert await runtime.progress.wait_for(concord.recorder.max_notification_id() or 0, timeout=120)
        moved = await change_requests_given_to(runtime, demo)
        await change_pledges(runtime, demo)
        assert await runtime.progress.wait_for(concord.recorder.max_notification_id() or 0, timeout=120)
        live = await both(runtime)
        rebuilt_from = await runner_for(runtime, FlowTotalsProjector(), 50).rebuild()  # type: ignore[arg-type]
        receivers = runner_for(runtime, ReceiverFlowTotalsProjector(), 50)  # type: ignore[arg-type]
        rebuilt_from = min(rebuilt_from, await receivers.rebuild())
        rebuilt = await both(runtime)
    finally:
        await runtime.close()
        concord.close()

    assert {
        "cancelled", "paid in part", "refunded", "fund allocations", "disbursements", "resectored",
        "request cancelled",
    } <= set(demo.tally.written), demo.tally.refusals  # fmt: skip
    assert moved > 0
    assert any("member_state=<MemberState." in total for pair in live for total in pair[0])
    fraction = re.compile(r"usd_paid=Decimal\('-?\d+\.\d+'\)")
    assert any(fraction.search(total) for pair in live for total in pair[0])
    assert any("status=<FlowStatus.PLEDGE" in total for pair in live for total in pair[0])
    assert [old for old, _ in live] == [new for _, new in live]
    assert rebuilt == live
    assert rebuilt_from > 0


async def pledged_then_moved(runtime: Runtime, demo: Demo) -> dict[UUID, str]:
    """Requests posted, each pledged to, the pledge committed, and the request moved to another
    sector straight after, so that a catch-up's batch holds the pledge and the amendment together.
    Each pledge with the sector its request was moved to."""
    async with runtime.read_engine.connect() as conn:
        donors = {UUID(str(r[0])) for r in await conn.execute(select(pledges.c.organisation_id))}
    names = [name for name, organisation in demo.organisations.items() if organisation in donors][:3]
    moved = {}
    for index, name in enumerate(names):
        _, state, need, crisis = demo.requests[index]
        command = demo.coordinator(state)
        posted = demo.concord.post_request(command, crisis, state, need).aggregate.id
        pledge = demo.concord.make_pledge(
            demo.donor(name),
            destination_kind=DestinationKind.REQUEST,
            destination_id=posted,
            amount=Decimal("12345.67"),
            currency="USD",
            conversion=Conversion(Decimal(1), fixed_today()),
            earmarking=Earmarking.EARMARKED,
        ).aggregate.id
        demo.concord.commit_pledge(demo.donor(name), pledge, fixed_today(), f"ref-{index}")
        other = next(
            i for i in ITEMS.values() if i.sector != need.sector and not i.sector.value.startswith("PB_")
        )
        demo.concord.amend_request(command, posted, sector=other.sector, item=other.code, unit=other.unit)
        moved[pledge] = other.sector.value
    return moved


async def receiver_rows(runtime: Runtime) -> list[list[tuple[object, ...]]]:
    tables: tuple[Table, ...] = (
        receiver_flow_totals,
        receiver_flow_totals_flows,
        receiver_flow_totals_destinations,
    )
    async with runtime.read_engine.connect() as conn:
        return [sorted(tuple(str(v) for v in row) for row in await conn.execute(select(t))) for t in tables]


async def test_a_request_moved_in_the_batch_that_pledged_to_it_moves_its_flow(settings: Settings) -> None:
    """Rebuilt one event a batch, the pledge is written before its request moves; in one large
    batch, the amendment moves a flow the database does not hold yet. Both give what the live
    read model gave, and what adding up every flow gives."""
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    demo = Demo(concord, seed=5, scale=0.02)
    demo.run()
    runtime = await start(settings, today=fixed_today)
    try:
        assert await runtime.progress.wait_for(concord.recorder.max_notification_id() or 0, timeout=120)
        moved = await pledged_then_moved(runtime, demo)
        assert await runtime.progress.wait_for(concord.recorder.max_notification_id() or 0, timeout=120)
        live, live_rows = await both(runtime), await receiver_rows(runtime)
        rebuilt = {}
        for batch_size in (1, 100_000):
            await runner_for(runtime, ReceiverFlowTotalsProjector(), batch_size).rebuild()  # type: ignore[arg-type]
            rebuilt[batch_size] = (await both(runtime), await receiver_rows(runtime))
        async with runtime.read_engine.connect() as conn:
            f = receiver_flow_totals_flows.c
            sectors = {
                UUID(str(r.flow_id)): r.sector
                for r in await conn.execute(select(f.flow_id, f.sector).where(f.flow_id.in_(moved)))
            }
    finally:
        await runtime.close()
        concord.close()

    assert len(moved) == 3
    assert sectors == moved
    assert [old for old, _ in live] == [new for _, new in live]
    assert rebuilt[1] == rebuilt[100_000] == (live, live_rows)
