"""DataLoaders, made per HTTP request: every relation is fetched in one query per page, not per row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.dataloader import DataLoader

from projections import field_queries, queries

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
    def crisis(self) -> DataLoader[UUID, queries.CrisisRow | None]:
        return _loader(self._engine, queries.crises_by_id)

    @cached_property
    def request(self) -> DataLoader[UUID, queries.RequestRow | None]:
        return _loader(self._engine, queries.requests_by_id)

    @cached_property
    def offer(self) -> DataLoader[UUID, queries.OfferRow | None]:
        return _loader(self._engine, queries.offers_by_id)

    @cached_property
    def organisation(self) -> DataLoader[UUID, queries.OrganisationRow | None]:
        return _loader(self._engine, queries.organisations_by_id)

    @cached_property
    def safe_haven(self) -> DataLoader[UUID, queries.SafeHavenRow | None]:
        return _loader(self._engine, queries.safe_havens_by_id)

    @cached_property
    def commitments(self) -> DataLoader[UUID, list[queries.CommitmentRow]]:
        engine = self._engine

        async def commitments(ids: list[UUID]) -> list[list[queries.CommitmentRow]]:
            found = await queries.commitments_by_request(engine, ids)
            return [found[i] for i in ids]

        return DataLoader(load_fn=commitments)

    @cached_property
    def open_incidents(self) -> DataLoader[str, list[tuple[str, str]]]:
        engine = self._engine

        async def open_incidents(states: list[str]) -> list[list[tuple[str, str]]]:
            found = await field_queries.open_incidents_by_state(engine, states)
            return [found[s] for s in states]

        return DataLoader(load_fn=open_incidents)
