"""The needs a donor's offers could serve, read narrowed (only needs some offer may serve by item,
unit, state and crisis), give what reading every open need of the offered items gave: the same
needs, in the same order, each with the same offer and the same explained terms."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.need_suggestions import TODAY, every_open_need_of_the_items, fill, suggestions
from projections.database import create_read_engine, reader
from projections.matching import queries as matching
from services.bootstrap import storage_for
from services.migrate import migrate
from services.settings import Settings


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    storage = storage_for(settings)
    migrate(storage)
    engine = create_read_engine(storage.read_url)
    try:
        yield engine
    finally:
        await engine.dispose()


# 400 requests list their ids for the matches, 3,000 read them by a subquery (beyond 500).
@pytest.mark.parametrize(("n_requests", "seed"), [(400, 1), (400, 2), (3000, 3)])
async def test_the_narrowed_read_ranks_and_explains_what_reading_every_need_did(
    engine: AsyncEngine, n_requests: int, seed: int
) -> None:
    donors = await fill(engine, n_requests, seed, donors=8)
    query = reader(engine)
    compared = 0
    for donor in donors:
        for first in (5, 50, 100_000):
            before = await suggestions(query, every_open_need_of_the_items, donor, first)
            after = await suggestions(query, matching.servable_needs, donor, first)
            assert after == before
            compared += len(after)
        mine = await matching.party_offers(query, TODAY, organisation_id=donor)
        narrowed = await matching.servable_needs(query, mine)
        assert len(narrowed) <= len(await every_open_need_of_the_items(query, mine))
    assert compared > 0  # the data gave the donors something to serve
