"""Read models streamed row by row for exports: a server-side cursor, fetched in batches.

A large export is never held in memory: each batch of ``yield_per`` rows is turned into rows
of the caller's type and handed on before the next is fetched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.assistance_requests.queries import RequestFilter, RequestRow, requests_matching
from projections.assistance_requests.tables import assistance_requests
from projections.offers.queries import OfferRow
from projections.offers.tables import offers
from projections.organisations.tables import organisations
from projections.safe_havens.queries import SafeHavenRow
from projections.safe_havens.tables import safe_havens

T = TypeVar("T")
BATCH = 500


async def stream(
    engine: AsyncEngine, query: Select[Any], make: Callable[[Row[Any]], T], *, batch: int = BATCH
) -> AsyncIterator[T]:
    """Rows of ``query`` as ``make`` turns them, ``batch`` at a time from a server-side cursor
    (which asyncpg opens only in a transaction: not with ``database.reader``'s engine)."""
    async with engine.connect() as conn:
        result = await conn.stream(query.execution_options(yield_per=batch))
        async for partition in result.partitions():
            for row in partition:
                yield make(row)


def requests(engine: AsyncEngine, where: RequestFilter, *, batch: int = BATCH) -> AsyncIterator[RequestRow]:
    """Requests in the order they were posted."""
    query = requests_matching(where).order_by(assistance_requests.c.posted_position)
    return stream(engine, query, lambda row: RequestRow(*row), batch=batch)


@dataclass(frozen=True)
class OfferWithOrganisation:
    offer: OfferRow
    organisation: str | None  # the offering organisation's name; None for a member state's offer


def offers_with_organisation(
    engine: AsyncEngine, crisis_ids: Sequence[UUID] = (), *, batch: int = BATCH
) -> AsyncIterator[OfferWithOrganisation]:
    """Offers in the order they were posted, each with its organisation's name (one join)."""
    o = offers.c
    width = len(OfferRow.__dataclass_fields__)
    query = (
        select(*(o[name] for name in OfferRow.__dataclass_fields__), organisations.c.name)
        .outerjoin(organisations, organisations.c.id == o.organisation_id)
        .order_by(o.posted_position)
    )
    if crisis_ids:
        query = query.where(o.crisis_id.in_(list(crisis_ids)))
    return stream(
        engine,
        query,
        lambda row: OfferWithOrganisation(OfferRow(*row[:width]), row[width]),
        batch=batch,
    )


def safe_havens_in(
    engine: AsyncEngine, crisis_ids: Sequence[UUID] = (), *, batch: int = BATCH
) -> AsyncIterator[SafeHavenRow]:
    h = safe_havens.c
    query = select(*(h[name] for name in SafeHavenRow.__dataclass_fields__)).order_by(h.designated_position)
    if crisis_ids:
        query = query.where(h.crisis_id.in_(list(crisis_ids)))
    return stream(engine, query, lambda row: SafeHavenRow(*row), batch=batch)
