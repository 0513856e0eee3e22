"""A page of offers, read by its statement prepared once per shape of filter, is the page every
offer filtered one by one gives: the same offers, newest first, the same next page and count, for
every kind of filter, walked page by page to past the last, prepared or through SQLAlchemy (as on a
shadow rebuild's tables)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.need_suggestions import TODAY, fill
from projections.offers.queries import OfferFilter, OfferRow, list_offers
from projections.offers.tables import offers


def kept(row: OfferRow, where: OfferFilter) -> bool:
    """The filter as its fields' descriptions say, one offer at a time."""
    return (
        (not where.crisis_ids or row.crisis_id in where.crisis_ids)
        and (not where.sectors or row.sector in where.sectors)
        and (not where.items or row.item in where.items)
        and (not where.organisation_ids or row.organisation_id in where.organisation_ids)
        and (where.serving is None or where.serving in row.serves)
        and (where.available_on is None or (not row.withdrawn and row.available_until >= where.available_on))
    )


def filters(every: list[OfferRow], rng: random.Random) -> list[OfferFilter]:
    """Each field alone, two or three at once, none, and a filter nothing matches."""
    crises = sorted({r.crisis_id for r in every})
    organisations = sorted({r.organisation_id for r in every if r.organisation_id}, key=str)
    items = sorted({r.item for r in every})
    sectors = sorted({r.sector for r in every})
    return [
        OfferFilter(),
        OfferFilter(crisis_ids=(crises[0],)),
        OfferFilter(sectors=tuple(sectors[:2])),
        OfferFilter(items=tuple(rng.sample(items, 3))),
        OfferFilter(organisation_ids=tuple(organisations[:2])),
        OfferFilter(serving="PHL"),
        OfferFilter(serving="P_L"),  # a wildcard matches only itself
        OfferFilter(available_on=TODAY),
        OfferFilter(available_on=TODAY + timedelta(days=60), serving="THA", sectors=(sectors[0],)),
        OfferFilter(organisation_ids=(organisations[0],), available_on=TODAY, crisis_ids=tuple(crises)),
        OfferFilter(items=("NO-SUCH-ITEM",)),
    ]


async def walked(engine: AsyncEngine, where: OfferFilter, first: int) -> list[Any]:
    """Every page of the filter, from the first to one past the last."""
    pages = []
    after = None
    while True:
        rows, has_next, total = await list_offers(engine, where, first=first, after=after)
        pages.append((rows, has_next, total))
        if not rows:
            return pages
        after = rows[-1].posted_position


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_page_of_offers_is_the_one_filtering_each_offer_gives(
    read_engine: AsyncEngine, seed: int
) -> None:
    await fill(read_engine, 300, seed, donors=6)
    async with read_engine.connect() as conn:
        columns = [offers.c[name] for name in OfferRow.__dataclass_fields__]
        every = [OfferRow(*row) for row in await conn.execute(select(*columns))]
    every.sort(key=lambda r: -r.posted_position)
    unprepared = read_engine.execution_options(schema_translate_map={None: None})
    compared = 0
    for where in filters(every, random.Random(seed)):
        expected = [r for r in every if kept(r, where)]
        for first in (7, 100):
            for reader in (read_engine, unprepared):
                pages = await walked(reader, where, first)
                assert [r for rows, _, _ in pages for r in rows] == expected
                assert [has_next for _, has_next, _ in pages] == [True] * (len(pages) - 2) + (
                    [False, False] if len(pages) > 1 else [False]
                )
                assert {total for _, _, total in pages} == {len(expected)}
                compared += len(expected)
    assert compared > 300  # the filters kept offers to compare
