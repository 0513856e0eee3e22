"""DataLoaders, made per HTTP request: every relation is fetched in one query per page, not per row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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


@dataclass
class Loaders:
    crisis: DataLoader[UUID, queries.CrisisRow | None]
    request: DataLoader[UUID, queries.RequestRow | None]
    offer: DataLoader[UUID, queries.OfferRow | None]
    organisation: DataLoader[UUID, queries.OrganisationRow | None]
    commitments: DataLoader[UUID, list[queries.CommitmentRow]]
    open_incidents: DataLoader[str, list[tuple[str, str]]]
    safe_haven: DataLoader[UUID, queries.SafeHavenRow | None]

    @classmethod
    def on(cls, engine: AsyncEngine) -> Loaders:
        async def commitments(ids: list[UUID]) -> list[list[queries.CommitmentRow]]:
            found = await queries.commitments_by_request(engine, ids)
            return [found[i] for i in ids]

        async def open_incidents(states: list[str]) -> list[list[tuple[str, str]]]:
            found = await field_queries.open_incidents_by_state(engine, states)
            return [found[s] for s in states]

        return cls(
            crisis=_loader(engine, queries.crises_by_id),
            request=_loader(engine, queries.requests_by_id),
            offer=_loader(engine, queries.offers_by_id),
            organisation=_loader(engine, queries.organisations_by_id),
            commitments=DataLoader(load_fn=commitments),
            open_incidents=DataLoader(load_fn=open_incidents),
            safe_haven=_loader(engine, queries.safe_havens_by_id),
        )
