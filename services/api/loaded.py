"""Fields whose value is one row of another read model, named by a key of their object: a match's
request and offer, an offer's organisation, a need's crisis; or the rows a list of keys names: a
project's implementing organisations (``LoadedMany``).

A ``Loaded`` is both the field's resolver (``resolve``: the row read through the request's loader,
services.api.schema.loaders, and made into the field's object) and what a compiled plan
(services.api.compiled) reads the field by without calling the resolver: for a page of a hundred
matches, the resolver's call, its info and its coroutine were most of the cost of each of these
fields. The field names it in its strawberry metadata (``LOADED``), so the two cannot differ:

    REQUEST = Loaded("request", "request_id", AssistanceRequest.from_row)

    @strawberry.field(metadata={LOADED: REQUEST})
    async def request(self, info: Info) -> AssistanceRequest | None:
        return await REQUEST.resolve(self, info)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

#: The key of a field's strawberry metadata that holds its ``Loaded``.
LOADED = "concord-loaded"


class Loaded:
    """The row that ``attribute`` of the object names (an id as text, or None for no row), read
    through the loader ``loader`` of the request's loaders, made into the field's value by ``make``
    (None where no row has that id)."""

    __slots__ = ("attribute", "loader", "make")

    def __init__(self, loader: str, attribute: str, make: Callable[[Any], Any]) -> None:
        self.loader = loader
        self.attribute = attribute
        self.make = make

    def load(self, source: Any, loaders: Any) -> Awaitable[Any] | None:
        """The loader's future of the row the object names; None if it names none."""
        value = getattr(source, self.attribute)
        if value is None:
            return None
        loaded: Awaitable[Any] = getattr(loaders, self.loader).load(UUID(value))
        return loaded

    def made(self, row: Any) -> Any:
        return None if row is None else self.make(row)

    async def resolve(self, source: Any, info: Any) -> Any:
        """The field's resolver."""
        loading = self.load(source, info.context.loaders)
        return None if loading is None else self.made(await loading)


class LoadedMany:
    """The rows the ids in ``attribute`` of the object name (a list of ids as text), read through
    the loader ``loader`` in one batch, each made into an element of the field's list by ``make``,
    in the list's order; an id no row has is left out."""

    __slots__ = ("attribute", "loader", "make")

    def __init__(self, loader: str, attribute: str, make: Callable[[Any], Any]) -> None:
        self.loader = loader
        self.attribute = attribute
        self.make = make

    async def resolve(self, source: Any, info: Any) -> list[Any]:
        """The field's resolver: one await for them all (each would be a batch of its own,
        awaited in turn)."""
        ids = [UUID(each) for each in getattr(source, self.attribute)]
        rows = await getattr(info.context.loaders, self.loader).load_many(ids)
        return [self.make(row) for row in rows if row is not None]
