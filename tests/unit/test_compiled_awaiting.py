"""The compiled plan's fields that await: stepped together without a task each, as ``asyncio.gather``
would run them (services.api.compiled ``_together``), and loaded fields read without their resolver."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
import strawberry
from graphql import parse
from strawberry.dataloader import DataLoader

from services.api.compiled import CompiledOperation, _together
from services.api.loaded import LOADED, Loaded
from services.api.strawberry_internals import convert_arguments_once


async def test_outcomes_are_values_and_errors_in_order_as_gathers() -> None:
    loop = asyncio.get_running_loop()

    async def value(n: int) -> int:
        await asyncio.sleep(0)
        return n

    async def fails() -> None:
        await asyncio.sleep(0)
        raise ValueError("refused")

    async def nested() -> int:
        return await value(3) + await value(4)

    def awaitables() -> list[Any]:
        done: asyncio.Future[str] = loop.create_future()
        loop.call_soon(done.set_result, "a future")
        return [value(1), fails(), done, nested(), value(2)]

    together = await _together(awaitables())
    gathered = await asyncio.gather(*awaitables(), return_exceptions=True)
    assert [repr(each) for each in together] == [repr(each) for each in gathered]
    assert together[2:] == ["a future", 7, 2]


async def test_a_loaders_keys_are_read_in_one_batch() -> None:
    batches: list[list[int]] = []

    async def load(keys: list[int]) -> list[int]:
        batches.append(keys)
        await asyncio.sleep(0)
        return [key * 10 for key in keys]

    loader: DataLoader[int, int] = DataLoader(load_fn=load)
    second: DataLoader[int, int] = DataLoader(load_fn=load)

    async def field(key: int) -> int:
        first = await loader.load(key)
        return first + await second.load(key)  # a second pass, one batch again

    assert await _together([field(n) for n in range(50)]) == [n * 20 for n in range(50)]
    assert batches == [list(range(50)), list(range(50))]


async def test_one_waiting_on_another_is_not_held_up_by_the_rest() -> None:
    ready = asyncio.Event()
    slow: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def waits() -> str:
        await ready.wait()
        slow.set_result("released")
        return "waited"

    async def sets() -> str:
        await asyncio.sleep(0)
        ready.set()
        return await slow

    assert await asyncio.wait_for(_together([waits(), sets()]), 5) == ["waited", "released"]


async def test_what_is_unfinished_when_cancelled_is_closed() -> None:
    closed: list[int] = []
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def field(n: int) -> None:
        try:
            await never
        finally:
            closed.append(n)

    running = asyncio.ensure_future(_together([field(1), field(2)]))
    await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert sorted(closed) == [1, 2]


async def test_no_task_is_made_for_a_field() -> None:
    made: list[Any] = []
    loop = asyncio.get_running_loop()
    factory = loop.get_task_factory()
    loop.set_task_factory(lambda loop, coro, **kw: made.append(coro) or asyncio.Task(coro, loop=loop, **kw))
    try:

        async def field(n: int) -> int:
            await asyncio.sleep(0)
            return n

        assert await _together([field(n) for n in range(20)]) == list(range(20))
    finally:
        loop.set_task_factory(factory)
    assert made == []


# A loaded field (services.api.loaded) read by a compiled plan: one load per object, no resolver call.
@strawberry.type
class Owner:
    name: str

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Owner:
        return cls(name=row["name"])


_OWNER = Loaded("owner", "owner_id", Owner.from_row)
_RESOLVED: list[str | None] = []


@strawberry.type
class Thing:
    id: str
    owner_id: str | None

    @strawberry.field(metadata={LOADED: _OWNER})
    async def owner(self, info: strawberry.Info) -> Owner | None:
        _RESOLVED.append(self.owner_id)
        value: Owner | None = await _OWNER.resolve(self, info)
        return value


_IDS = [str(UUID(int=n)) for n in range(1, 5)]


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(id=str(n), owner_id=owner) for n, owner in enumerate([*_IDS, None, str(UUID(int=99))])]


class _Loaders:
    def __init__(self) -> None:
        self.batches: list[list[UUID]] = []

        async def load(keys: list[UUID]) -> list[dict[str, str] | None]:
            self.batches.append(keys)
            return [None if key.int == 99 else {"name": f"owner {key.int}"} for key in keys]

        self.owner: DataLoader[UUID, dict[str, str] | None] = DataLoader(load_fn=load)


class _Context:
    def __init__(self) -> None:
        self.loaders = _Loaders()


async def test_a_loaded_field_is_read_by_the_plan_in_one_batch_as_its_resolver_reads_it() -> None:
    schema = strawberry.Schema(query=Query)
    convert_arguments_once(schema._schema, schema.schema_converter)
    document = "{ things { id owner { name } } }"
    general = await schema.execute(document, context_value=_Context())
    assert general.errors is None
    assert len(_RESOLVED) == 6
    _RESOLVED.clear()
    context = _Context()
    compiled = await CompiledOperation(schema._schema, parse(document)).run(context, None)
    assert compiled == general.data
    assert _RESOLVED == []  # the plan read the field itself
    assert context.loaders.batches == [[UUID(each) for each in [*_IDS, str(UUID(int=99))]]]
    assert [thing["owner"] for thing in compiled["things"]][-2:] == [None, None]
