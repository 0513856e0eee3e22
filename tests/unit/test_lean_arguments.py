"""Arguments converted from a plan built once give what strawberry's ``convert_arguments`` gives.

An upgrade of strawberry-graphql or graphql-core that changes how either coerces or converts
arguments fails here (the versions are pinned in tests/unit/test_strawberry_internals.py and
test_graphql_core_internals.py).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationDefinitionNode,
    Undefined,
    get_argument_values,
    get_variable_values,
    parse,
)
from graphql.execution.values import VariableValues
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from strawberry.relay.types import GlobalID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField
from strawberry.types.maybe import Maybe, Some

from services.api.schema import schema as concord_schema
from services.api.strawberry_internals import (
    AsyncConvertedResolver,
    Converted,
    ConvertedArguments,
    ConvertedResolver,
    convert_arguments_once,
)

_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF

# What a client sends for each scalar of the contract; a new scalar fails the test until added.
WIRE_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "String": st.text(max_size=6),
    "ID": st.one_of(st.uuids().map(str), st.text(max_size=6)),
    "Int": st.integers(-(2**31), 2**31 - 1),
    "Float": st.floats(allow_nan=False, allow_infinity=False),
    "Boolean": st.booleans(),
    "Date": st.dates().map(date.isoformat),
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False).map(str),
}


def _wire(type_: GraphQLInputType) -> st.SearchStrategy[Any]:
    """Variable values of ``type_`` as JSON would carry them: nulls, omitted fields, lists."""
    if isinstance(type_, GraphQLNonNull):
        return _wire_value(type_.of_type)
    return st.one_of(st.none(), _wire_value(type_))


def _wire_value(type_: GraphQLInputType) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        item = _wire(type_.of_type)
        return st.one_of(st.lists(item, max_size=3), item)  # one item stands for a list of one
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(sorted(type_.values))
    if isinstance(type_, GraphQLScalarType):
        return WIRE_SCALARS[type_.name]
    assert isinstance(type_, GraphQLInputObjectType)
    return st.deferred(lambda: _fields({name: (f.type, f.default_value) for name, f in type_.fields.items()}))


def _fields(fields: dict[str, tuple[GraphQLInputType, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Required fields always; those that are nullable or have a default sometimes."""
    required = {
        name: _wire(type_)
        for name, (type_, default) in fields.items()
        if isinstance(type_, GraphQLNonNull) and default is Undefined
    }
    optional = {name: _wire(type_) for name, (type_, _default) in fields.items() if name not in required}
    return st.fixed_dictionaries(required, optional=optional)


def _fields_with_arguments() -> list[tuple[str, GraphQLField]]:
    schema = concord_schema._schema
    return sorted(
        (f"{named.name}.{name}", field)
        for named in schema.type_map.values()
        if isinstance(named, GraphQLObjectType) and not named.name.startswith("__")
        for name, field in named.fields.items()
        if field.args
    )


FIELDS = _fields_with_arguments()


def _definition(field: GraphQLField) -> StrawberryField:
    definition = field.extensions[_DEFINITION]
    assert isinstance(definition, StrawberryField)
    return definition


def _installed(resolve: Any) -> Converted | None:
    """The ``Converted`` resolver inside the wrappers (policy, metrics) around a field's resolver."""
    if isinstance(resolve, Converted):
        return resolve
    for cell in getattr(resolve, "__closure__", None) or ():
        found = _installed(cell.cell_contents) if callable(cell.cell_contents) else None
        if found is not None:
            return found
    return None


def _same(actual: Any, expected: Any, where: str = "") -> None:
    """Same types all the way down, same values, same UNSET-ness."""
    assert type(actual) is type(expected), f"{where}: {actual!r} is not {expected!r}"
    if isinstance(expected, Some):
        _same(actual.value, expected.value, f"{where}.value")
    elif isinstance(expected, dict):
        assert actual.keys() == expected.keys(), where
        for key in expected:
            _same(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), where
        for index, (got, wanted) in enumerate(zip(actual, expected, strict=True)):
            _same(got, wanted, f"{where}[{index}]")
    elif dataclasses.is_dataclass(expected):
        for field in dataclasses.fields(expected):
            _same(getattr(actual, field.name), getattr(expected, field.name), f"{where}.{field.name}")
    else:
        assert actual == expected, where
        if isinstance(expected, enum.Enum):
            assert actual is expected, where


def _defaulted(arg: GraphQLArgument) -> bool:
    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is not Undefined


def _coerced(field: GraphQLField) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Variables to the field's argument values, as graphql-core's executor coerces them."""
    schema = concord_schema._schema
    # An argument with a default may be left out: its variable is declared nullable (and so
    # allowed there), and left out of the variables, or given a value, never null.
    declared = ", ".join(
        f"${name}: {arg.type.of_type if _defaulted(arg) else arg.type}"  # type: ignore[union-attr]
        for name, arg in field.args.items()
    )
    passed = ", ".join(f"{name}: ${name}" for name in field.args)
    operation = parse(f"query({declared}) {{ f({passed}) }}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    node = operation.selection_set.selections[0]

    def coerce(variables: dict[str, Any]) -> dict[str, Any]:
        values = get_variable_values(schema, operation.variable_definitions or (), variables)
        if not isinstance(values, VariableValues):
            reject()  # not a value a client could send (graphql-core says why)
        return get_argument_values(field, node, values)  # type: ignore[arg-type]

    return coerce


def test_every_field_with_arguments_in_the_schema_converts_them_from_a_plan() -> None:
    assert len(FIELDS) >= 80
    for key, field in FIELDS:
        installed = _installed(field.resolve)
        assert installed is not None, f"{key} keeps strawberry's resolver"
        assert installed.field is _definition(field)
        assert installed.arguments.compiled, f"{key} falls back to strawberry's conversion"


@pytest.mark.parametrize(("key", "field"), FIELDS, ids=[key for key, _field in FIELDS])
def test_converted_arguments_equal_strawberrys(key: str, field: GraphQLField) -> None:
    definition = _definition(field)
    converter = concord_schema.schema_converter
    converted = ConvertedArguments(definition, converter)
    coerce = _coerced(field)
    variables = _fields({name: (arg.type, arg.default_value) for name, arg in field.args.items()})

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(variables)
    def check(values: dict[str, Any]) -> None:
        arguments = coerce(values)
        expected = convert_arguments(
            arguments, definition.arguments, converter.scalar_registry, converter.config, None
        )
        _same(converted(arguments, None), expected, key)

    check()


# A schema of its own for what the contract does not use: what strawberry must convert, and each
# way a resolver asks for its source and info.


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Leaf:
    colour: Colour
    note: str | None  # no default: strawberry gives None when it is left out
    tags: list[str] | None = None
    at: date | None = None


@strawberry.input
class Tree:
    name: str
    leaves: list[Leaf | None] = strawberry.field(default_factory=list)
    child: Tree | None = None
    weight: Decimal | None = strawberry.UNSET


@strawberry.input
class Shaped:
    """An input that builds its own value (as integrations do with ``from_input``)."""

    size: int


def _shaped(cls: type, value: Any, context: Any) -> Any:
    return ("shaped", value["size"], context.path)


Shaped.__strawberry_definition__.from_input = _shaped  # type: ignore[attr-defined]


@strawberry.type
class Query:
    @strawberry.field
    def tree(self, tree: Tree, depth: int = 2) -> str:
        return repr((type(self).__name__, tree, depth))

    @strawberry.field
    async def colours(self, info: strawberry.Info, colours: list[Colour] | None = None) -> str:
        return repr((info.field_name, colours))

    @strawberry.field
    def maybe(self, note: Maybe[str | None] = None, count: Maybe[int] = None) -> str:
        return repr((note, count))

    @strawberry.field
    def node(self, id: GlobalID, shaped: Shaped | None = None) -> str:
        return repr((id.type_name, id.node_id, shaped))

    @strawberry.field
    @staticmethod
    def rooted(root: Any, given: strawberry.Info, limit: int = 1) -> str:
        return repr((root, given.field_name, limit))

    @strawberry.field
    def parented(self, info: strawberry.Parent[str], given: strawberry.Info, limit: int = 1) -> str:
        """strawberry hands its info to whatever parameter is named ``info``."""
        return repr((type(info).__name__, given.field_name, limit))

    @strawberry.field
    def failing(self, tree: Tree) -> str:
        raise ValueError(tree.name)


OPERATIONS = [
    ('{ tree(tree: {name: "a"}) }', None),
    (
        "query($t: Tree!) { tree(tree: $t, depth: 5) }",
        {
            "t": {
                "name": "b",
                "weight": "1.50",
                "leaves": [
                    {"colour": "RED", "tags": ["x"], "at": "2026-01-02", "note": "n"},
                    None,
                    {"colour": "BLUE"},
                ],
                "child": {"name": "c", "weight": None, "child": None},
            }
        },
    ),
    ("{ colours }", None),
    ("query($c: [Colour!]) { colours(colours: $c) }", {"c": ["RED", "BLUE"]}),
    ("query($c: [Colour!]) { colours(colours: $c) }", {"c": None}),
    ("{ maybe }", None),
    ("{ maybe(note: null, count: 3) }", None),
    ('{ maybe(note: "n") }', None),
    ("{ maybe(count: null) }", None),
    ('{ node(id: "VGhpbmc6MQ==", shaped: {size: 4}) }', None),
    ('{ node(id: "not a global id") }', None),
    ("{ rooted rooted2: rooted(limit: 3) }", None),
    ("{ parented(limit: 2) }", None),
    ('{ failing(tree: {name: "boom"}) }', None),
]


def _built(*, converted: bool) -> strawberry.Schema:
    built = strawberry.Schema(query=Query)
    if converted:
        convert_arguments_once(built._schema, built.schema_converter)
    return built


def _query_fields(built: strawberry.Schema) -> dict[str, GraphQLField]:
    query = built._schema.query_type
    assert query is not None
    return dict(query.fields)


def test_fields_convert_from_a_plan_unless_strawberry_must_convert_their_types() -> None:
    fields = _query_fields(_built(converted=True))
    assert type(fields["colours"].resolve) is AsyncConvertedResolver
    assert type(fields["tree"].resolve) is ConvertedResolver
    plans = {name: fields[name].resolve.arguments for name in ("tree", "maybe", "node")}  # type: ignore[union-attr]
    assert plans["tree"].compiled
    assert [convert is None for _name, _python, convert, _type in plans["maybe"].plan] == [True, True]
    assert [convert is None for _name, _python, convert, _type in plans["node"].plan] == [True, True]


@pytest.mark.parametrize(("query", "variables"), OPERATIONS)
async def test_results_and_errors_are_strawberrys(query: str, variables: dict[str, Any] | None) -> None:
    expected = await _built(converted=False).execute(query, variable_values=variables, root_value="root")
    actual = await _built(converted=True).execute(query, variable_values=variables, root_value="root")
    assert actual.data == expected.data
    assert [error.formatted for error in actual.errors or []] == [
        error.formatted for error in expected.errors or []
    ]


def test_a_list_of_leaves_is_a_copy_as_strawberry_makes_it() -> None:
    field = _query_fields(_built(converted=True))["colours"]
    given_list = [Colour.RED]
    converted = field.resolve.arguments({"colours": given_list}, None)  # type: ignore[union-attr]
    assert converted == {"colours": [Colour.RED]}
    assert converted["colours"] is not given_list
