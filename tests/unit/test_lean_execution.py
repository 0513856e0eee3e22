"""Plain leaf fields completed in place answer exactly as graphql-core's own completion does."""

from __future__ import annotations

import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType, GraphQLSchema
from strawberry.extensions import SchemaExtension

from services.api.graphql_core_internals import Attribute, Child, LeanExecutionContext
from services.api.schema import schema as concord_schema
from services.api.strawberry_internals import mark_attributes
from services.identity.policy import GUARDED_FIELDS, REDACTED_FIELDS, SMALL_COUNTS


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


async def _later() -> str:
    return "later"


@strawberry.type
class Item:
    name: str
    colour: Colour
    amount: Decimal
    note: str | None
    required: str  # some items break the contract: None here is an error
    count: int
    size: int

    @strawberry.field
    def doubled(self) -> int:
        return self.count * 2

    @strawberry.field
    def shouting(self) -> str:
        if self.count < 0:
            msg = "negative"
            raise ValueError(msg)
        return self.name.upper()

    @strawberry.field
    async def later(self) -> str:
        later = await _later()
        return None if self.required is None else later  # type: ignore[return-value]

    @strawberry.field
    def child(self) -> Item | None:
        return None if self.count > 2 else _item(self.count + 1)


def _item(count: int, **overrides: Any) -> Item:
    values: dict[str, Any] = {
        "name": f"item {count}",
        "colour": Colour.BLUE if count % 2 else Colour.RED,
        "amount": Decimal("1.50") * count,
        "note": None if count % 3 else "third",
        "required": "yes",
        "count": count,
        "size": count,
    }
    values.update(overrides)
    return Item(**values)


ITEMS: list[Item | None] = [
    _item(1),
    _item(2),
    _item(3, required=None),  # null in a non-null field: the item becomes null, with an error
    _item(-4),  # a resolver that raises: a located error
    _item(5, size="five"),  # an Int that is no int: graphql-core's own error
    _item(6, colour="green"),  # no value of the enum
    _item(7, note=7),  # a String given an int: graphql-core's "7"
]


@strawberry.type
class Box:
    label: str
    item: Item
    spare: Item | None


BOXES: list[Box | None] = [
    Box(label="fine", item=_item(1), spare=_item(2)),
    Box(label="bad spare", item=_item(2), spare=_item(3, required=None)),  # the spare becomes null
    Box(label="bad item", item=_item(3, required=None), spare=None),  # the box becomes null
    Box(label="no item", item=None, spare=_item(1)),  # type: ignore[arg-type]
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ITEMS

    @strawberry.field
    def boxes(self) -> list[Box | None]:
        return BOXES

    @strawberry.field
    def strict(self) -> list[Item] | None:  # one bad item: the whole list becomes null
        return [_item(1), _item(3, required=None)]

    @strawberry.field
    def fine(self) -> list[Item]:
        return [_item(1), _item(2)]

    @strawberry.field
    async def first(self) -> Item:
        return _item(1)


QUERY = """
{
  items {
    count name colour
    child { name doubled child { colour amount } }
    amount note required size doubled shouting __typename later
  }
  first { alias: name name colour ...F }
  boxes { label item { name required later } spare { count later } }
  strict { name required }
  fine { name later }
}
fragment F on Item { amount doubled }
"""


def _build(
    *,
    lean: bool,
    extensions: list[Callable[[], SchemaExtension]] | None = None,
) -> strawberry.Schema:
    built = strawberry.Schema(
        query=Query,
        execution_context_class=LeanExecutionContext if lean else None,
        extensions=extensions or [],
    )
    if lean:
        mark_attributes(built._schema)
    return built


def _object(schema: GraphQLSchema, type_name: str) -> GraphQLObjectType:
    named = schema.type_map[type_name]
    assert isinstance(named, GraphQLObjectType)
    return named


def _attributes(schema: GraphQLSchema, type_name: str) -> set[str]:
    fields = _object(schema, type_name).fields
    return {name for name, field in fields.items() if isinstance(field.resolve, Attribute | Child)}


def test_plain_attributes_and_self_only_methods_of_leaf_type_are_completed_in_place() -> None:
    lean = _build(lean=True)

    assert _attributes(lean._schema, "Box") == {"label", "item", "spare"}
    assert _attributes(lean._schema, "Item") == {
        "name",
        "colour",
        "amount",
        "note",
        "required",
        "count",
        "size",
        "doubled",
        "shouting",
    }


async def test_a_result_with_errors_is_the_same_as_graphql_cores() -> None:
    plain = await _build(lean=False).execute(QUERY)
    lean = await _build(lean=True).execute(QUERY)

    assert lean.data == plain.data
    assert list(lean.data["items"][0]) == list(plain.data["items"][0])  # type: ignore[index]
    assert [e.formatted for e in lean.errors or []] == [e.formatted for e in plain.errors or []]
    assert len(lean.errors or []) == 8
    assert lean.data["items"][1]["colour"] == "RED"  # type: ignore[index]
    assert lean.data["items"][6]["note"] == "7"  # type: ignore[index]


async def test_a_resolve_hook_still_sees_every_field() -> None:
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(f"{info.parent_type.name}.{info.field_name}")
            return _next(root, info, *args, **kwargs)

    result = await _build(lean=True, extensions=[Watch]).execute("{ first { name count } }")

    assert result.errors is None
    assert sorted(seen) == ["Item.count", "Item.name", "Query.first"]


@pytest.mark.parametrize("key", sorted({*GUARDED_FIELDS, *REDACTED_FIELDS, *SMALL_COUNTS}))
def test_no_field_the_access_policy_guards_is_completed_past_it(key: str) -> None:
    type_name, field_name = key.split(".")
    field = _object(concord_schema._schema, type_name).fields[field_name]

    assert not isinstance(field.resolve, Attribute | Child)
