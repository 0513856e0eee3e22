"""Flows a page at a time: the pages, put together, are the whole list; a source picks its own."""

from __future__ import annotations

import asyncio
from typing import Any

from domain.access import Role
from services.coordination import Concord
from services.demo import Demo
from services.identity.tokens import DevSigner
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.api import Client, serving
from tests.conftest import fixed_today

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


async def every_page(client: Client, first: int, source: list[str] | None = None) -> tuple[list[Any], int]:
    flows: list[Any] = []
    after, totals = None, set()
    while True:
        variables = {"sourceId": source, "first": first, "after": after}
        page = (await client.data(PAGE, variables, as_=client.bearer(Role.SECRETARIAT)))["flowsConnection"]
        flows += [edge["node"] for edge in page["edges"]]
        totals.add(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            return flows, totals.pop() if len(totals) == 1 else -1
        after = page["pageInfo"]["endCursor"]


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
        paged, total = await every_page(client, first=7)
        donor = next(f["sourceId"] for f in every if f["sourceKind"] == "organisation")
        fund = next(f["sourceId"] for f in every if f["sourceKind"] == "fund")
        sources, _ = await every_page(client, first=3, source=[donor, fund])
        bad = await client.send(PAGE, {"after": "bm90IGEgY3Vyc29y"}, as_=secretariat)
        too_many = await client.send(PAGE, {"first": 101}, as_=secretariat)

    assert [f["sourceKind"] for f in every].count("fund") >= 1
    assert paged == every
    assert total == len(every)
    assert sources == [f for f in every if f["sourceId"] in (donor, fund)]
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert too_many.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
