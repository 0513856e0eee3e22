"""Flows a page at a time: the pages, put together, are the whole list; a source picks its own, and
a year its own."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access import Role
from projections.finance.tables import fund_allocations
from projections.flows import queries as flow_queries
from projections.flows.pages import FlowFilter, flow_page
from services.bootstrap import start
from services.coordination import Concord
from services.demo import Demo
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.api import Client, serving
from tests.conftest import fixed_today

PAGES_AT_MOST = 1_000
CAUGHT_UP_TIMEOUT = 300.0  # s: the demo's log projected on a loaded machine


async def caught_up(client: Client, head: int) -> None:
    """Read-your-writes waits 30 s at most: a loaded machine may take longer over the demo's log."""
    deadline = asyncio.get_running_loop().time() + CAUGHT_UP_TIMEOUT
    while True:
        body = (await client.send("{ me { role } }", after=head)).json()
        if "errors" not in body or asyncio.get_running_loop().time() > deadline:
            return
        await asyncio.sleep(1)


FIELDS = (
    "id sourceKind sourceId destinationKind destinationId status amount usdAmount usdPaid decidedOn crisisId"
)
EVERY = f"{{ flows {{ {FIELDS} }} }}"
PAGE = f"""query($sourceId: [ID!], $first: Int, $after: String) {{
  flowsConnection(sourceId: $sourceId, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {FIELDS} }} }}
  }}
}}"""


async def test_pages_of_flows_put_together_are_every_flow_in_order(
    settings: Settings, signer: DevSigner
) -> None:
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    try:
        Demo(concord, seed=3, scale=0.1).run()
        head = concord.recorder.max_notification_id() or 0
    finally:
        concord.close()
    async for client in serving(settings, signer, with_crisis=False):
        await caught_up(client, head)
        secretariat = client.bearer(Role.SECRETARIAT)
        every = (await client.data(EVERY, as_=secretariat, after=head))["flows"]
        paged, totals = await client.every_page(PAGE, "flowsConnection", {"sourceId": None}, first=7)
        donor = next(f["sourceId"] for f in every if f["sourceKind"] == "organisation")
        fund = next(f["sourceId"] for f in every if f["sourceKind"] == "fund")
        sources, _ = await client.every_page(PAGE, "flowsConnection", {"sourceId": [donor, fund]}, first=3)
        bad = await client.send(PAGE, {"after": "bm90IGEgY3Vyc29y"}, as_=secretariat)
        too_many = await client.send(PAGE, {"first": 101}, as_=secretariat)

    assert [f["sourceKind"] for f in every].count("fund") >= 1
    assert paged == every
    assert totals == {len(every)}
    assert sources == [f for f in every if f["sourceId"] in (donor, fund)]
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert too_many.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def walked(engine: AsyncEngine, where: FlowFilter, first: int) -> list[Any]:
    """Every page of the filter, from the first to one past the last."""
    pages, after = [], None
    while len(pages) <= PAGES_AT_MOST:  # a cursor that does not move on would loop forever
        rows, has_next, total = await flow_page(engine, where, first=first, after=after)
        pages.append(([row for _, row in rows], has_next, total))
        if not rows:
            return pages
        after = rows[-1][0]
    raise AssertionError(f"more than {PAGES_AT_MOST} pages: the cursor does not move on")


async def test_every_page_of_flows_is_the_one_every_flow_filtered_gives(settings: Settings) -> None:
    """Read by the page statements prepared once per shape of filter, or through SQLAlchemy (as on
    a shadow rebuild's tables): pledges in the order made, then allocations by fund and version,
    of the sources and year asked for, walked to past the last page."""
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    try:
        Demo(concord, seed=5, scale=0.05).run()
        head = concord.recorder.max_notification_id() or 0
    finally:
        concord.close()
    runtime = await start(settings, today=fixed_today)
    try:
        assert await runtime.progress.wait_for(head, timeout=120)
        engine = runtime.read_engine
        unprepared = engine.execution_options(schema_translate_map={None: None})
        every = await flow_queries.flows(engine)
        async with engine.connect() as conn:
            order = {
                row.allocation_id: (str(row.fund_id), row.version)
                for row in await conn.execute(select(fund_allocations))
            }
        pledged = [f for f in every if f.source_kind == "organisation"]
        allocated = sorted((f for f in every if f.source_kind == "fund"), key=lambda f: order[f.id])
        donors = sorted({f.source_id for f in pledged}, key=str)
        funds = sorted({f.source_id for f in allocated}, key=str)
        years = sorted({f.decided_on.year for f in every})
        wheres = [
            FlowFilter(),
            FlowFilter(source_ids=(donors[0],)),
            FlowFilter(source_ids=(donors[1], funds[0])),
            FlowFilter(source_ids=(funds[0],), year=years[-1]),
            FlowFilter(year=years[0]),
            FlowFilter(year=years[0] - 5),  # none
        ]
        compared = 0
        for where in wheres:
            expected = [
                f
                for f in pledged + allocated
                if (not where.source_ids or f.source_id in where.source_ids)
                and (where.year is None or f.decided_on.year == where.year)
            ]
            for first in (3, 100):
                for reader in (engine, unprepared):
                    pages = await walked(reader, where, first)
                    assert [f for rows, _, _ in pages for f in rows] == expected
                    assert [more for _, more, _ in pages] == [True] * (len(pages) - 2) + (
                        [False, False] if len(pages) > 1 else [False]
                    )
                    assert {total for _, _, total in pages} == {len(expected)}
                    compared += len(expected)
    finally:
        await runtime.close()
    assert allocated  # the demo gave allocations to compare
    assert compared > 100
