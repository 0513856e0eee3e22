"""A value outside an enum (a code list: member states, sectors, statuses) is BAD_USER_INPUT that
names the input it was given for (``extensions.field``) and lists the values there are
(``extensions.allowed``, and in the message), whether it came as a literal or in a variable.

graphql-core's own refusal says only "Value 'X' does not exist in 'E' enum", with at most five
suggestions (none in production); the caller of a code list needs the list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    EnumValueNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableDefinitionNode,
    Visitor,
    print_ast,
    visit,
)
from graphql.pyutils import inspect

# graphql-core's wrapping of a variable's error: "Variable '$f' has invalid value at .status[0]: …"
_IN_VARIABLE = re.compile(r"^Variable '\$(?P<name>\w+)' has invalid value(?: at (?P<path>[^:]+))?: ")
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")


class UnknownEnumValue(GraphQLError):
    def __init__(self, enum: GraphQLEnumType, shown: str, node: ValueNode | None = None) -> None:
        allowed = list(enum.values)
        super().__init__(
            f"{shown} is not one of {enum.name}'s values: {', '.join(allowed)}.",
            node,
            extensions={"code": "BAD_USER_INPUT", "allowed": allowed},
        )


def list_allowed_values(schema: GraphQLSchema) -> None:
    """Make each enum of the schema refuse an unknown value with an ``UnknownEnumValue``."""
    for named in schema.type_map.values():
        if isinstance(named, GraphQLEnumType) and not named.name.startswith("__"):
            named.coerce_input_value = _coerce_value(named)  # type: ignore[method-assign]
            named.coerce_input_literal = _coerce_literal(named)  # type: ignore[method-assign]


def _coerce_value(enum: GraphQLEnumType) -> Callable[..., Any]:
    coerce = enum.coerce_input_value

    def coerce_input_value(input_value: Any, _hide_suggestions: bool = False) -> Any:
        try:
            return coerce(input_value, True)
        except GraphQLError:
            shown = f"'{input_value}'" if isinstance(input_value, str) else inspect(input_value)
            raise UnknownEnumValue(enum, shown) from None

    return coerce_input_value


def _coerce_literal(enum: GraphQLEnumType) -> Callable[..., Any]:
    coerce = enum.coerce_input_literal

    def coerce_input_literal(node: Any, _hide_suggestions: bool = False) -> Any:
        try:
            return coerce(node, True)
        except GraphQLError:
            shown = f"'{node.value}'" if isinstance(node, EnumValueNode) else print_ast(node)
            raise UnknownEnumValue(enum, shown, node) from None

    return coerce_input_literal


def located_in_document(errors: Iterable[GraphQLError], document: DocumentNode) -> list[GraphQLError]:
    """Validation's errors, an enum literal's with the input it was written for as its field."""
    errors = list(errors)
    if not any(isinstance(error, UnknownEnumValue) for error in errors):
        return errors
    fields = _literal_fields(document)
    for error in errors:
        if isinstance(error, UnknownEnumValue) and error.nodes:
            field = fields.get(id(error.nodes[0]))
            if field is not None:
                error.extensions = {**(error.extensions or {}), "field": field}
    return errors


def located_in_variable(error: GraphQLError) -> GraphQLError:
    """A variable's error, an enum value's with the place in the variable as its field."""
    refused = error.original_error
    matched = _IN_VARIABLE.match(error.message)
    if not isinstance(refused, UnknownEnumValue) or matched is None:
        return error
    steps = [name or index for name, index in _STEP.findall(matched["path"] or "")]
    return GraphQLError(
        error.message,
        error.nodes,
        original_error=refused,
        extensions={**(refused.extensions or {}), "field": ".".join(steps) or matched["name"]},
    )


def _literal_fields(document: DocumentNode) -> dict[int, str]:
    """Each leaf value's field: its path in the argument (``status.0``), or the argument's name.
    Named like the fields of BAD_USER_INPUT raised by the commands (``milestones.0.dueDate``)."""
    fields: dict[int, str] = {}

    def walk(value: ValueNode, path: list[str]) -> None:
        if isinstance(value, ObjectValueNode):
            for field in value.fields:
                walk(field.value, [*path, field.name.value])
        elif isinstance(value, ListValueNode):
            for index, item in enumerate(value.values):
                walk(item, [*path, str(index)])
        else:
            fields[id(value)] = ".".join(path[1:]) or path[0]

    class Inputs(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            walk(node.value, [node.name.value])

        def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
            if node.default_value is not None:
                walk(node.default_value, [node.variable.name.value])

    visit(document, Inputs())
    return fields
