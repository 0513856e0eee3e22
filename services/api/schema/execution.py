"""Plain attribute fields completed without graphql-core's per-field machinery.

Most of a page's fields (1,300 of the 1,500 of ``Requests(first: 100)``) are scalars or enums read
straight off an object. graphql-core builds a resolve info, a path, and walks ``complete_value``
for each; here such a field is read and serialised in place, and a plain object field (an edge's
node) goes straight to its sub-selection. Anything unusual (null for a non-null field, an
exception, an awaitable, a value the type will not serialise, a middleware) goes the ordinary
way, so that results, errors and their locations are graphql-core's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import Any
from uuid import UUID

from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from graphql.type.scalars import serialize_id, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter

from services.api.schema.enums import located_in_variable

_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF
_AS_THEMSELVES = (serialize_string, serialize_id)
# Values that are neither awaitable nor exceptions: most of what a page holds, checked by type.
_PLAIN = frozenset({str, int, float, bool, Decimal, UUID, date, datetime})


class Attribute:
    """The resolver of a leaf field that returns an attribute of its source and needs no info."""

    __slots__ = ("get", "non_null", "same", "serialise")

    def __init__(self, get: Callable[[Any], Any], leaf: GraphQLLeafType, *, non_null: bool) -> None:
        self.get = get
        self.non_null = non_null
        # The type of value the leaf serialises as itself: a str for String and ID.
        self.same = str if getattr(leaf, "serialize", None) in _AS_THEMSELVES else None
        self.serialise = (
            _enum_names(leaf) if isinstance(leaf, CustomGraphQLEnumType) else leaf.coerce_output_value
        )

    def __call__(self, source: Any, _info: Any, **_kwargs: Any) -> Any:
        return self.get(source)


class Child:
    """The resolver of an object field that returns an attribute of its source: an edge's node."""

    __slots__ = ("get", "non_null", "object_type")

    def __init__(self, get: Callable[[Any], Any], object_type: GraphQLObjectType, *, non_null: bool) -> None:
        self.get = get
        self.object_type = object_type
        self.non_null = non_null

    def __call__(self, source: Any, _info: Any, **_kwargs: Any) -> Any:
        return self.get(source)


def mark_attributes(schema: GraphQLSchema) -> None:
    """Give each plain attribute field of leaf or object type an ``Attribute`` or ``Child`` resolver.

    Run after anything else that wraps resolvers (the access policy): a wrapped field no longer
    has strawberry's own resolver and is left alone.
    """
    for named in schema.type_map.values():
        if isinstance(named, GraphQLObjectType) and not named.name.startswith("__"):
            for field in named.fields.values():
                resolver = _attribute(field)
                if resolver is not None:
                    field.resolve = resolver


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


def _attribute(field: GraphQLField) -> Attribute | Child | None:
    definition = (field.extensions or {}).get(_DEFINITION)
    if definition is None or definition.extensions:
        return None
    non_null = isinstance(field.type, GraphQLNonNull)
    of_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    # A leaf or plain object type holds no error type of a union: no exception handlers apply.
    if is_leaf_type(of_type):
        kind: Callable[[Callable[[Any], Any]], Attribute | Child] = partial(
            Attribute, leaf=of_type, non_null=non_null
        )
    elif isinstance(of_type, GraphQLObjectType) and of_type.is_type_of is None:
        kind = partial(Child, object_type=of_type, non_null=non_null)
    else:
        return None
    # The resolver strawberry made, not one wrapped since (by the access policy, say).
    made_by = getattr(field.resolve, "__name__", None)
    if made_by == "_get_basic_result":
        get = _plain_attribute(definition)
    elif made_by == "_resolver" and is_leaf_type(of_type):
        get = _plain_method(definition)
    else:
        return None
    return None if get is None else kind(get)


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
    """graphql-core's executor, with ``Attribute`` and ``Child`` fields completed in place."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Any:
        """The executor, or the variables' errors: an enum value's naming where it was given."""
        built = super().build(*args, **kwargs)
        if isinstance(built, list):
            return [located_in_variable(error) for error in built]
        return built

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields``, but for the fields completed in place."""
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        fields = parent_type.fields
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field = fields.get(field_details_list[0].node.name.value)
                resolve = field.resolve if field is not None else None
                kind = type(resolve)
                result: Any = Undefined
                if kind is Attribute:
                    result = _completed(resolve, source_value, is_awaitable)  # type: ignore[arg-type]
                    if result is not Undefined:
                        results[response_name] = result
                        continue
                field_path = Path(path, response_name, parent_type.name)
                if kind is Child:
                    result = self._child(
                        resolve,  # type: ignore[arg-type]
                        source_value,
                        field_details_list,
                        field_path,
                        position_context,
                    )
                if result is Undefined:
                    result = self.execute_field(
                        parent_type, source_value, field_details_list, field_path, position_context
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """An object (a list's item, say) straight to its sub-selection, as graphql-core would go.

        graphql-core unwraps non-null, tests for a list, a leaf, an abstract type and an object,
        then asks ``is_type_of``: for a plain object type with no ``is_type_of`` that ends here.
        """
        object_type = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if (
            isinstance(object_type, GraphQLObjectType)
            and object_type.is_type_of is None
            and result is not None
            and result is not Undefined
            and not isinstance(result, Exception)
        ):
            return self.collect_and_execute_subfields(
                object_type, field_details_list, path, result, position_context
            )
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def _child(
        self,
        child: Child,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """The object's completed sub-selection, or Undefined where graphql-core must complete it."""
        try:
            value = child.get(source)
        except Exception:  # graphql-core reports it, located, on the ordinary path
            return Undefined
        if value is None:
            return Undefined if child.non_null else None
        if isinstance(value, Exception) or self.is_awaitable(value):
            return Undefined
        return_type = child.object_type
        try:
            completed = self.collect_and_execute_subfields(
                return_type, field_details_list, path, value, position_context
            )
        except Exception as error:
            self.handle_field_error(error, _typed(child), field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as error:
                self.handle_field_error(error, _typed(child), field_details_list, path)
                return None

        return await_completed()


class QuietExecutionContext(LeanExecutionContext):
    """Production's: no "Did you mean …" in the errors of variables or arguments."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Any:
        return super().build(*args, **{**kwargs, "hide_suggestions": True})


def _typed(child: Child) -> GraphQLOutputType:
    return GraphQLNonNull(child.object_type) if child.non_null else child.object_type


def _completed(attribute: Attribute, source: Any, is_awaitable: Callable[[Any], bool]) -> Any:
    """The field's serialised value, or Undefined where graphql-core must complete it."""
    try:
        value = attribute.get(source)
        if type(value) is attribute.same:
            return value
        if value is None:
            return Undefined if attribute.non_null else None
        if type(value) not in _PLAIN and (isinstance(value, Exception) or is_awaitable(value)):
            return Undefined
        coerced = attribute.serialise(value)
    except Exception:  # graphql-core reports it, located, on the ordinary path
        return Undefined
    return Undefined if coerced is None else coerced
