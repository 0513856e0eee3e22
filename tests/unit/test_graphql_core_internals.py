"""The graphql-core internals services/api/graphql_core_internals.py relies on are still there and
still behave as it was written for: an upgrade of graphql-core fails here first."""

from __future__ import annotations

import inspect
from importlib.metadata import version
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    ValueNode,
    graphql_sync,
)
from graphql.execution.executor import Executor
from graphql.type.scalars import serialize_id, serialize_string

from services.api.graphql_core_internals import (
    WRITTEN_FOR,
    LeanExecutionContext,
    place_in_variable,
    refuse_unknown_enum_values,
)

RECHECK = (
    "services/api/graphql_core_internals.py was written for another graphql-core: compare it with "
    "the new release as its docstring says, then move WRITTEN_FOR on"
)


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_installed_graphql_core_is_the_one_the_module_follows() -> None:
    assert {name: version(name) for name in WRITTEN_FOR} == WRITTEN_FOR, RECHECK


@pytest.mark.parametrize("method", ["execute_fields", "complete_value"])
def test_the_executor_methods_overridden_take_the_same_parameters(method: str) -> None:
    assert _parameters(getattr(LeanExecutionContext, method)) == _parameters(getattr(Executor, method))


def test_the_executor_methods_called_take_what_the_lean_context_passes() -> None:
    assert _parameters(Executor.execute_field) == [
        "self",
        "parent_type",
        "source",
        "field_details_list",
        "path",
        "position_context",
    ]
    assert _parameters(Executor.collect_and_execute_subfields) == [
        "self",
        "return_type",
        "field_details_list",
        "path",
        "result",
        "position_context",
    ]
    assert _parameters(Executor.handle_field_error) == [
        "self",
        "raw_error",
        "return_type",
        "field_details_list",
        "path",
    ]
    assert _parameters(Executor.settle_in_background) == ["self", "awaitables"]
    assert "hide_suggestions" in _parameters(Executor.build)


def test_string_and_id_serialise_with_the_functions_that_return_a_str_as_it_is() -> None:
    assert GraphQLString.serialize is serialize_string
    assert GraphQLID.serialize is serialize_id
    assert serialize_string("tent") == "tent"
    assert serialize_id("tent") == "tent"


@strawberry.type
class Item:
    name: str


@strawberry.type
class Box:
    items: list[Item]


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box:
        return Box(items=[Item(name="tent"), Item(name="tarpaulin")])


async def test_every_selection_set_and_list_item_goes_through_the_methods_overridden() -> None:
    """Each object's fields through ``execute_fields``, each list item through ``complete_value``:
    were either bypassed, the fields completed in place would silently be completed the slow way."""
    calls: list[str] = []

    class Counting(LeanExecutionContext):
        def execute_fields(self, parent_type: Any, *args: Any) -> Any:
            calls.append(f"fields of {parent_type.name}")
            return super().execute_fields(parent_type, *args)

        def complete_value(self, return_type: Any, *args: Any) -> Any:
            calls.append(f"value of {return_type}")
            return super().complete_value(return_type, *args)

    schema = strawberry.Schema(query=Query, execution_context_class=Counting)
    result = await schema.execute("{ box { items { name } } }")

    assert result.data == {"box": {"items": [{"name": "tent"}, {"name": "tarpaulin"}]}}
    assert calls.count("fields of Item") == 2
    assert calls.count("value of Item!") == 2


Status = GraphQLEnumType("Status", {"OPEN": "open", "CLOSED": "closed"})


def _refused(enum: GraphQLEnumType, shown: str, node: ValueNode | None = None) -> GraphQLError:
    return GraphQLError(f"{shown} refused by {enum.name}", node, extensions={"code": "REFUSED"})


def _schema() -> GraphQLSchema:
    filter_ = GraphQLInputObjectType("Filter", {"status": GraphQLInputField(GraphQLList(Status))})
    query = GraphQLObjectType(
        "Query",
        {
            "count": GraphQLField(
                GraphQLString,
                args={"filter": GraphQLArgument(filter_), "status": GraphQLArgument(Status)},
                resolve=lambda _source, _info, **arguments: str(arguments),
            )
        },
    )
    schema = GraphQLSchema(query)
    refuse_unknown_enum_values(schema, _refused)
    return schema


def test_an_enum_literal_is_coerced_by_the_method_replaced_on_the_enum() -> None:
    result = graphql_sync(_schema(), "{ count(filter: {status: [OPEN, LOST]}) }")

    assert result.errors is not None
    assert [error.message for error in result.errors] == ["'LOST' refused by Status"]
    assert result.errors[0].extensions == {"code": "REFUSED"}


def test_a_variables_value_is_coerced_by_the_method_replaced_and_its_place_told_in_the_message() -> None:
    result = graphql_sync(
        _schema(),
        "query($f: Filter) { count(filter: $f) }",
        variable_values={"f": {"status": ["OPEN", "LOST"]}},
    )

    assert result.errors is not None
    error = result.errors[0]
    assert isinstance(error.original_error, GraphQLError)
    assert error.original_error.message == "'LOST' refused by Status"
    assert place_in_variable(error) == "status.1"


def test_a_whole_variables_refusal_is_placed_at_the_variable() -> None:
    refused = graphql_sync(
        _schema(), "query($s: Status) { count(status: $s) }", variable_values={"s": "LOST"}
    )
    other = graphql_sync(_schema(), "{ lost }")

    assert refused.errors is not None
    assert other.errors is not None
    assert place_in_variable(refused.errors[0]) == "s"
    assert place_in_variable(other.errors[0]) is None


def test_a_known_value_still_coerces_as_graphql_core_coerces_it() -> None:
    result = graphql_sync(
        _schema(), "query($f: Filter) { count(filter: $f) }", variable_values={"f": {"status": ["CLOSED"]}}
    )

    assert result.errors is None
    assert result.data == {"count": "{'filter': {'status': ['closed']}}"}
