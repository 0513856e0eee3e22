"""Movements a page at a time: the pages, put together, are the whole list, filters and all."""

from __future__ import annotations

import asyncio

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


FIELDS = "id kind status memberState originCountry people plannedDeparture"
EVERY = f"query($state: [MemberState!]) {{ movements(memberState: $state) {{ {FIELDS} }} }}"
PAGE = f"""query($state: [MemberState!], $first: Int, $after: String) {{
  movementsConnection(memberState: $state, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {FIELDS} }} }}
  }}
}}"""


async def test_pages_of_movements_put_together_are_the_list(settings: Settings, signer: DevSigner) -> None:
    concord = Concord(storage_for(settings).event_store_env, today=fixed_today)
    try:
        Demo(concord, seed=5, scale=0.1).run()
        head = concord.recorder.max_notification_id() or 0
    finally:
        concord.close()
    async for client in serving(settings, signer, with_crisis=False):
        await caught_up(client, head)
        secretariat = client.bearer(Role.SECRETARIAT)
        every = (await client.data(EVERY, {"state": None}, as_=secretariat, after=head))["movements"]
        mmr = (await client.data(EVERY, {"state": ["MMR"]}, as_=secretariat))["movements"]
        paged, totals = await client.every_page(PAGE, "movementsConnection", {"state": None}, first=2)
        paged_mmr, totals_mmr = await client.every_page(
            PAGE, "movementsConnection", {"state": ["MMR"]}, first=2
        )
        bad = await client.send(PAGE, {"after": "bm90IGEgY3Vyc29y"}, as_=secretariat)

    assert len(every) > len(mmr) > 0
    assert (paged, totals) == (every, {len(every)})
    assert (paged_mmr, totals_mmr) == (mmr, {len(mmr)})
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
