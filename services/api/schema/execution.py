"""Plain attribute fields of leaf type completed without graphql-core's per-field machinery.

Most of a page's fields (1,300 of the 1,500 of ``Requests(first: 100)``) are scalars or enums read
straight off an object. graphql-core builds a resolve info, a path, and walks ``complete_value``
for each; here such a field is read and serialised in place. Anything unusual (null for a
non-null field, an exception, an awaitable, a value the type will not serialise, a middleware)
goes the ordinary way, so that errors and their locations are graphql-core's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any
from uuid import UUID

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter

_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF
# Values that are neither awaitable nor exceptions: most of what a page holds, checked by type.
_PLAIN = frozenset({str, int, float, bool, Decimal, UUID, date, datetime})


class Attribute:
    """The resolver of a field that returns an attribute of its source and needs no info."""

    __slots__ = ("get", "non_null", "serialise")

    def __init__(self, get: Callable[[Any], Any], leaf: GraphQLLeafType, *, non_null: bool) -> None:
        self.get = get
        self.non_null = non_null
        self.serialise = (
            _enum_names(leaf) if isinstance(leaf, CustomGraphQLEnumType) else leaf.coerce_output_value
        )

    def __call__(self, source: Any, _info: Any, **_kwargs: Any) -> Any:
        return self.get(source)


def mark_attributes(schema: GraphQLSchema) -> None:
    """Give each plain attribute field of leaf type an ``Attribute`` resolver.

    Run after anything else that wraps resolvers (the access policy): a wrapped field no longer
    has strawberry's basic resolver and is left alone.
    """
    for named in schema.type_map.values():
        if isinstance(named, GraphQLObjectType) and not named.name.startswith("__"):
            for field in named.fields.values():
                attribute = _attribute(field)
                if attribute is not None:
                    field.resolve = attribute


def _enum_names(enum: CustomGraphQLEnumType) -> Callable[[Any], Any]:
    """strawberry's enum serialisation (the first name whose value matches), as one dict lookup."""
    names: dict[Any, str] = {}
    for name, value in enum.values.items():
        names.setdefault(value.value, name)
    wrapped = enum.wrapped_cls
    slow = enum.coerce_output_value

    def serialise(member: Any) -> Any:
        if isinstance(member, wrapped):
            name = names.get(member.value)
            if name is not None:
                return name
        return slow(member)

    return serialise


def _attribute(field: GraphQLField) -> Attribute | None:
    definition = (field.extensions or {}).get(_DEFINITION)
    if definition is None or definition.extensions:
        return None
    non_null = isinstance(field.type, GraphQLNonNull)
    leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not is_leaf_type(leaf):  # a leaf field's type holds no error type: no exception handlers
        return None
    # The resolver strawberry made, not one wrapped since (by the access policy, say).
    made_by = getattr(field.resolve, "__name__", None)
    if made_by == "_get_basic_result":
        get = _plain_attribute(definition)
    elif made_by == "_resolver":
        get = _plain_method(definition)
    else:
        return None
    return None if get is None else Attribute(get, leaf, non_null=non_null)


def _plain_attribute(definition: Any) -> Callable[[Any], Any] | None:
    """An attribute with no resolver."""
    if definition.base_resolver is not None:
        return None
    name = definition.python_name
    default = definition.default_resolver
    return attrgetter(name) if default is getattr else (lambda source: default(source, name))


def _plain_method(definition: Any) -> Callable[[Any], Any] | None:
    """A synchronous resolver that takes ``self`` alone (like ``gap``): called with the source."""
    resolver = definition.base_resolver
    if resolver is None or resolver.is_async or resolver.self_parameter is None:
        return None
    if len(resolver.signature.parameters) != 1:
        return None
    method: Callable[[Any], Any] = resolver.wrapped_func
    return method


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with ``Attribute`` fields completed in place."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        fields = parent_type.fields
        done: dict[str, Any] = {}
        rest: GroupedFieldSet = {}
        for response_name, field_details_list in grouped_field_set.items():
            field = fields.get(field_details_list[0].node.name.value)
            resolve = field.resolve if field is not None else None
            if type(resolve) is Attribute:
                value = _completed(resolve, source_value, self.is_awaitable)
                if value is not Undefined:
                    done[response_name] = value
                    continue
            rest[response_name] = field_details_list
        if not rest:
            return done
        executed = super().execute_fields(parent_type, source_value, path, rest, position_context)
        return _merged(grouped_field_set, done, executed, self.is_awaitable)


def _completed(attribute: Attribute, source: Any, is_awaitable: Callable[[Any], bool]) -> Any:
    """The field's serialised value, or Undefined where graphql-core must complete it."""
    try:
        value = attribute.get(source)
        if value is None:
            return Undefined if attribute.non_null else None
        if type(value) not in _PLAIN and (isinstance(value, Exception) or is_awaitable(value)):
            return Undefined
        coerced = attribute.serialise(value)
    except Exception:  # graphql-core reports it, located, on the ordinary path
        return Undefined
    return Undefined if coerced is None else coerced


def _merged(
    grouped_field_set: GroupedFieldSet,
    done: dict[str, Any],
    executed: AwaitableOrValue[dict[str, Any]],
    is_awaitable: Callable[[Any], bool],
) -> AwaitableOrValue[dict[str, Any]]:
    """Both parts' results, in the order the fields were asked for (as the response must be)."""
    if not done:
        return executed

    def ordered(rest: dict[str, Any]) -> dict[str, Any]:
        both = {**done, **rest}
        return {name: both[name] for name in grouped_field_set if name in both}

    if is_awaitable(executed):

        async def awaited() -> dict[str, Any]:
            return ordered(await executed)  # type: ignore[misc]

        return awaited()
    return ordered(executed)  # type: ignore[arg-type]
