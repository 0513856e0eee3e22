"""The needs a donor's offers could serve, read narrowed (only needs some offer may serve by item,
unit, state and crisis), give what reading every open need of the offered items gave: the same
needs, in the same order, each with the same offer and the same explained terms; and so does the
bounded search, which reads a priority at a time in needed-by order and stops once the first N
found beat what any unread need could score."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.need_suggestions import TODAY, every_open_need_of_the_items, fill, suggestions
from domain import allocation
from projections.assistance_requests.tables import assistance_requests
from projections.database import reader
from projections.matches.tables import matches
from projections.matching import queries as matching
from projections.matching import served
from projections.matching.served import needs_served


# 400 requests list their ids for the matches, 3,000 read them by a subquery (beyond 500).
@pytest.mark.parametrize(("n_requests", "seed"), [(400, 1), (400, 2), (3000, 3)])
async def test_the_narrowed_read_ranks_and_explains_what_reading_every_need_did(
    read_engine: AsyncEngine, n_requests: int, seed: int
) -> None:
    donors = await fill(read_engine, n_requests, seed, donors=8)
    query = reader(read_engine)
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


# Days around the generated ones (needed-by 20 days before TODAY to 60 after, offers from 30 before
# to 40 after): needs overdue beyond the deprivation cap, within it, and all ahead.
# Each donor's offers filtered exactly (a clause for each kind of offer), and roughly (as beyond
# served._EXACT_CLAUSES kinds, as the demo's donors are): the ranking checks what the rough one lets by.
@pytest.mark.parametrize(("n_requests", "seed"), [(400, 4), (3000, 5)])
@pytest.mark.parametrize("exact_clauses", [48, 0])
async def test_the_bounded_search_gives_what_ranking_every_servable_need_gives(
    read_engine: AsyncEngine, n_requests: int, seed: int, exact_clauses: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(served, "_EXACT_CLAUSES", exact_clauses)
    monkeypatch.setattr(served, "_offered", {})  # a filter kept from the other setting's run
    donors = await fill(read_engine, n_requests, seed, donors=8)
    query = reader(read_engine)
    compared = 0
    for today in (TODAY - timedelta(days=45), TODAY, TODAY + timedelta(days=100)):
        for donor in donors:
            mine = await matching.party_offers(query, today, organisation_id=donor)
            every = await matching.servable_needs(query, mine)
            for first in (1, 7, 50, 100_000):
                expected = allocation.needs_served(every, mine, today, allocation.Parameters(), first)
                found = await needs_served(query, mine, today, allocation.Parameters(), first)
                assert found == expected
                if first == 7:  # an engine that translates schemas (here, to the same) reads them all
                    unprepared = query.execution_options(schema_translate_map={None: None})
                    assert (
                        await needs_served(unprepared, mine, today, allocation.Parameters(), first)
                        == expected
                    )
                compared += len(found)
    assert compared > 100  # the data gave the donors something to serve


async def test_the_same_offers_ranked_again_on_another_day_rank_as_that_day(read_engine: AsyncEngine) -> None:
    """What the search keeps of a party's offers (the lines' places, their reach, the filter) is
    the day's: the same lines asked of on another day are ranked as on that day."""
    donors = await fill(read_engine, 400, 6, donors=4)
    query = reader(read_engine)
    compared = 0
    for donor in donors:
        mine = await matching.party_offers(query, TODAY, organisation_id=donor)
        every = await matching.servable_needs(query, mine)
        for today in (TODAY, TODAY + timedelta(days=30), TODAY - timedelta(days=30), TODAY):
            expected = allocation.needs_served(every, mine, today, allocation.Parameters(), 20)
            assert await needs_served(query, mine, today, allocation.Parameters(), 20) == expected
            compared += len(expected)
    assert compared > 0


async def test_a_needs_line_and_its_candidate_offers_read_prepared_are_those_sqlalchemy_reads(
    read_engine: AsyncEngine,
) -> None:
    """``need_line`` and ``candidate_offers`` (matchSuggestions' reads), prepared once per shape,
    give what the same statements give through SQLAlchemy (an engine that translates schemas, here
    to the same ones, takes that path): every shape of items, near misses and party."""
    donors = await fill(read_engine, 400, 6, donors=4)
    query = reader(read_engine)
    general = query.execution_options(schema_translate_map={None: None})
    async with query.connect() as conn:
        ids = [row.id for row in await conn.execute(select(assistance_requests.c.id))][::9]
        ids += [row.request_id for row in await conn.execute(select(matches.c.request_id).distinct())]
    compared, declined = 0, 0
    for request_id in ids:
        need = await matching.need_line(query, request_id)
        assert need == await matching.need_line(general, request_id)
        assert need is not None
        declined += bool(need.declined)
        for organisation_id in (None, donors[0]):
            for near_misses in (False, True):
                found = await matching.candidate_offers(
                    query, need, TODAY, organisation_id=organisation_id, near_misses=near_misses
                )
                expected = await matching.candidate_offers(
                    general, need, TODAY, organisation_id=organisation_id, near_misses=near_misses
                )
                assert found == expected
                compared += len(found)
    assert await matching.need_line(query, uuid4()) is None
    assert await matching.need_line(general, uuid4()) is None
    assert compared > 100  # the data gave the needs offers to compare
    assert declined > 0  # and needs with matches declined
