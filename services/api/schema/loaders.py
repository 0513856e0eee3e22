"""DataLoaders, made per HTTP request: every relation is fetched in one query per page, not per row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.dataloader import DataLoader

from domain.security import RiskLevel
from projections.assistance_requests import queries as request_queries
from projections.crises import queries as crisis_queries
from projections.offers import queries as offer_queries
from projections.organisations import queries as organisation_queries
from projections.safe_havens import queries as haven_queries
from projections.security_incidents import queries as incident_queries

T = TypeVar("T")


def _loader(
    engine: AsyncEngine, fetch: Callable[[AsyncEngine, Sequence[UUID]], Awaitable[dict[UUID, T]]]
) -> DataLoader[UUID, T | None]:
    async def load(ids: list[UUID]) -> list[T | None]:
        found = await fetch(engine, ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


class Loaders:
    """Each loader is made the first time a resolver of this request asks for it: most
    operations use none or one, and a page of requests should not pay for seven."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    def on(cls, engine: AsyncEngine) -> Loaders:
        return cls(engine)

    @cached_property
    def crisis(self) -> DataLoader[UUID, crisis_queries.CrisisRow | None]:
        return _loader(self._engine, crisis_queries.crises_by_id)

    @cached_property
    def request(self) -> DataLoader[UUID, request_queries.RequestRow | None]:
        return _loader(self._engine, request_queries.requests_by_id)

    @cached_property
    def offer(self) -> DataLoader[UUID, offer_queries.OfferRow | None]:
        return _loader(self._engine, offer_queries.offers_by_id)

    @cached_property
    def organisation(self) -> DataLoader[UUID, organisation_queries.OrganisationRow | None]:
        return _loader(self._engine, organisation_queries.organisations_by_id)

    @cached_property
    def safe_haven(self) -> DataLoader[UUID, haven_queries.SafeHavenRow | None]:
        return _loader(self._engine, haven_queries.safe_havens_by_id)

    @cached_property
    def commitments(self) -> DataLoader[UUID, list[request_queries.CommitmentRow]]:
        engine = self._engine

        async def commitments(ids: list[UUID]) -> list[list[request_queries.CommitmentRow]]:
            found = await request_queries.commitments_by_request(engine, ids)
            return [found[i] for i in ids]

        return DataLoader(load_fn=commitments)

    @cached_property
    def open_incidents(self) -> DataLoader[str, list[tuple[str, str]]]:
        engine = self._engine

        async def open_incidents(states: list[str]) -> list[list[tuple[str, str]]]:
            found = await incident_queries.open_incidents_by_state(engine, states)
            return [found[s] for s in states]

        return DataLoader(load_fn=open_incidents)

    @cached_property
    def area_risks(self) -> dict[tuple[str, str], RiskLevel]:
        """The risk of each (state, P-code) already derived in this request from the open incidents
        the loader above read for it: a page of a hundred rows names a few areas."""
        return {}
