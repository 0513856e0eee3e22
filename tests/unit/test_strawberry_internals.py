"""The strawberry internals services/api/strawberry_internals.py relies on are still there and still
behave as it was written for: an upgrade of strawberry-graphql fails here first."""

from __future__ import annotations

import enum
import inspect
from importlib.metadata import version
from typing import Any

import strawberry
from graphql import EnumValueNode, GraphQLField, GraphQLObjectType
from strawberry.relay.types import GlobalID
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.arguments import _is_leaf_type, _is_optional_leaf_type, convert_argument
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

from services.api.schema import schema as concord_schema
from services.api.strawberry_internals import WRITTEN_FOR, _enum_names

RECHECK = (
    "services/api/strawberry_internals.py was written for another strawberry-graphql: compare it with "
    "the new release as its docstring says, then move WRITTEN_FOR on"
)


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Filter:
    colour: Colour | None = None
    short_names: list[str] | None = None


@strawberry.type
class Item:
    name: str
    colour: Colour

    @strawberry.field
    def shouting(self) -> str:
        return self.name.upper()

    @strawberry.field
    def repeated(self, times: int) -> str:
        return self.name * times

    @strawberry.field
    async def later(self, info: strawberry.Info, times: int = 1) -> str:
        return self.name * times


@strawberry.type
class Query:
    @strawberry.field
    def item(self) -> Item:
        return Item(name="tent", colour=Colour.BLUE)


SCHEMA = strawberry.Schema(query=Query)


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def _field(type_name: str, name: str) -> GraphQLField:
    named = SCHEMA._schema.type_map[type_name]
    assert isinstance(named, GraphQLObjectType)
    return named.fields[name]


def test_the_installed_strawberry_is_the_one_the_module_follows() -> None:
    assert {name: version(name) for name in WRITTEN_FOR} == WRITTEN_FOR, RECHECK


def test_strawberry_names_the_resolvers_it_makes_as_the_module_recognises_them() -> None:
    """A plain attribute gets ``_get_basic_result``; a method ``_resolver``, or ``_async_resolver``."""
    made = {
        name: getattr(_field("Item", name).resolve, "__name__", None)
        for name in ("name", "colour", "shouting", "repeated", "later")
    }

    assert made == {
        "name": "_get_basic_result",
        "colour": "_get_basic_result",
        "shouting": "_resolver",
        "repeated": "_resolver",
        "later": "_async_resolver",
    }


def test_each_graphql_core_field_leads_back_to_its_strawberry_field() -> None:
    definition = _field("Item", "repeated").extensions[GraphQLCoreConverter.DEFINITION_BACKREF]

    assert isinstance(definition, StrawberryField)
    assert definition.python_name == "repeated"
    assert definition.default_resolver is getattr
    assert [argument.python_name for argument in definition.arguments] == ["times"]
    assert SCHEMA.schema_converter._get_field_exception_handlers(definition) == ()


def test_a_resolver_says_which_parameters_take_self_the_info_and_the_arguments() -> None:
    later = _field("Item", "later").extensions[GraphQLCoreConverter.DEFINITION_BACKREF].base_resolver
    shouting = _field("Item", "shouting").extensions[GraphQLCoreConverter.DEFINITION_BACKREF].base_resolver

    assert later.is_async
    assert later.self_parameter is not None
    assert later.info_parameter is not None
    assert (later.parent_parameter, later.root_parameter) == (None, None)
    assert list(later.signature.parameters) == ["self", "info", "times"]
    assert not shouting.is_async
    assert shouting.wrapped_func(Item(name="tent", colour=Colour.RED)) == "TENT"


def test_the_argument_conversion_the_plan_falls_back_to_takes_what_it_passes() -> None:
    scalars, config = SCHEMA.schema_converter.scalar_registry, SCHEMA.schema_converter.config

    assert _is_leaf_type(int, scalars)
    assert not _is_leaf_type(GlobalID, scalars, skip_classes=(GlobalID,))
    assert _is_optional_leaf_type(StrawberryOptional(int), scalars)
    converted = convert_argument(
        {"colour": Colour.BLUE, "shortNames": ["a"]}, Filter, scalars, config, None, path=("filter",)
    )
    assert converted == Filter(colour=Colour.BLUE, short_names=["a"])
    assert _parameters(StrawberryField.get_result) == [
        "self",
        "source",
        "info",
        "args",
        "kwargs",
    ]
    assert _parameters(SCHEMA.config.info_class) == ["_raw_info", "_field"]


def test_enum_names_serialise_every_member_of_every_enum_as_strawberry_does() -> None:
    enums = [t for t in concord_schema._schema.type_map.values() if isinstance(t, CustomGraphQLEnumType)]
    assert len(enums) >= 10
    for graphql_enum in enums:
        fast = _enum_names(graphql_enum)
        for member in graphql_enum.wrapped_cls:
            assert fast(member) == graphql_enum.coerce_output_value(member), (graphql_enum.name, member)


def test_strawberrys_enum_type_coerces_input_with_graphql_cores_parameters() -> None:
    """The enum refusal (services.api.graphql_core_internals) calls it as ``(value, True)``."""
    colour = SCHEMA._schema.type_map["Colour"]
    assert isinstance(colour, CustomGraphQLEnumType)

    assert _parameters(CustomGraphQLEnumType.coerce_input_value) == [
        "self",
        "input_value",
        "hide_suggestions",
    ]
    assert _parameters(CustomGraphQLEnumType.coerce_input_literal) == [
        "self",
        "value_node",
        "hide_suggestions",
    ]
    assert colour.coerce_input_value("BLUE", True) is Colour.BLUE
    assert colour.coerce_input_literal(EnumValueNode(value="RED"), True) is Colour.RED
