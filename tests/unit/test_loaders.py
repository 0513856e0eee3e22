"""A request's DataLoaders are made when first asked for, then shared by the whole request."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import create_async_engine

from services.api.schema.loaders import Loaders

NAMES = ("crisis", "request", "offer", "organisation", "safe_haven", "commitments", "open_incidents")


async def test_no_loader_is_made_until_a_resolver_asks_for_it() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        loaders = Loaders.on(engine)

        assert not any(name in vars(loaders) for name in NAMES)
        first = loaders.crisis
        assert loaders.crisis is first  # batched across the request: one loader, not one per row
        assert [name for name in NAMES if name in vars(loaders)] == ["crisis"]
        assert all(getattr(loaders, name) is getattr(loaders, name) for name in NAMES)
    finally:
        await engine.dispose()
