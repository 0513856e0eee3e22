"""A value outside an enum (a code list: member states, sectors, statuses) is BAD_USER_INPUT that
names the input it was given for (``extensions.field``) and lists the values there are
(``extensions.allowed``, and in the message), whether it came as a literal or in a variable.

graphql-core's own refusal says only "Value 'X' does not exist in 'E' enum", with at most five
suggestions (none in production); the caller of a code list needs the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableDefinitionNode,
    Visitor,
    visit,
)

from services.api.graphql_core_internals import place_in_variable, refuse_unknown_enum_values


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
    refuse_unknown_enum_values(schema, UnknownEnumValue)


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
    field = place_in_variable(error)
    if not isinstance(refused, UnknownEnumValue) or field is None:
        return error
    return GraphQLError(
        error.message,
        error.nodes,
        original_error=refused,
        extensions={**(refused.extensions or {}), "field": field},
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
