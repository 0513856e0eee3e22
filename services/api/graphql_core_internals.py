"""graphql-core used past its API. Written for graphql-core 3.3.2 (WRITTEN_FOR, requirements.lock).

What it replaces, and why:
- ``Executor.execute_fields`` and ``complete_value``, for plain fields. Most of a page's
  fields (1,300 of the 1,500 of ``Requests(first: 100)``) are scalars or enums read straight off an
  object; graphql-core builds a resolve info and a path and walks ``complete_value`` for each. A
  field whose resolver is an ``Attribute`` (services.api.strawberry_internals marks them) is read
  and serialised in place, and a ``Child`` (an edge's node) or a list's object goes straight to its
  sub-selection. Anything unusual (null for a non-null field, an exception, an awaitable, a value
  the type will not serialise, a middleware) goes the ordinary way, so that results, errors and
  their locations are graphql-core's own. ``python -m bench.internals``: 12.8 → 7.2 ms of CPU a page
  (2026-12-06, load average about 11).
- ``GraphQLEnumType.coerce_input_value`` and ``coerce_input_literal``, replaced on each enum of the
  schema: graphql-core's refusal of an unknown value names at most five suggestions and takes no
  hook; ``refuse_unknown_enum_values`` raises the schema's own error instead (not for speed).
- The text of graphql-core's error for a variable's value (``Variable '$f' has invalid value at
  .status[0]: …``): the only place that says where in the variable the value was.

On an upgrade, tests/unit/test_graphql_core_internals.py fails first; compare with the new release
``Executor.execute_fields``, ``execute_field``, ``complete_value``, ``complete_leaf_value`` and
``collect_and_execute_subfields`` (their signatures, and the order of ``complete_value``'s tests),
the calls of an enum's coercion methods, and the message of ``coerce_variable_values``; then run
tests/unit/test_lean_execution.py, which compares results and errors with graphql-core's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from graphql import (
    EnumValueNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Undefined,
    ValueNode,
    print_ast,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel, inspect
from graphql.type.scalars import serialize_id, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# The version whose executor and coercion this module follows; a test fails on any other.
WRITTEN_FOR = {"graphql-core": "3.3.2"}

_AS_THEMSELVES = (serialize_string, serialize_id)
# Values that are neither awaitable nor exceptions: most of what a page holds, checked by type.
_PLAIN = frozenset({str, int, float, bool, Decimal, UUID, date, datetime})
# graphql-core's wrapping of a variable's error: "Variable '$f' has invalid value at .status[0]: …"
_IN_VARIABLE = re.compile(r"^Variable '\$(?P<name>\w+)' has invalid value(?: at (?P<path>[^:]+))?: ")
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")

#: What an enum raises for a value it does not have: ``refusal(enum, shown, node)``.
Refusal = Callable[[GraphQLEnumType, str, ValueNode | None], GraphQLError]


class Attribute:
    """The resolver of a leaf field that returns an attribute of its source and needs no info."""

    __slots__ = ("get", "non_null", "same", "serialise")

    def __init__(
        self,
        get: Callable[[Any], Any],
        leaf: GraphQLLeafType,
        *,
        non_null: bool,
        serialise: Callable[[Any], Any] | None = None,
    ) -> None:
        """``serialise``: the leaf's own serialisation made faster (an enum's), if any."""
        self.get = get
        self.non_null = non_null
        # The type of value the leaf serialises as itself: a str for String and ID.
        self.same = str if getattr(leaf, "serialize", None) in _AS_THEMSELVES else None
        self.serialise = serialise or leaf.coerce_output_value

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


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with ``Attribute`` and ``Child`` fields completed in place."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields``, but for the fields completed in place. Longer than our
        usual function: it mirrors graphql-core's own line for line, so an upgrade is checked by
        comparing the two."""
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


def refuse_unknown_enum_values(schema: GraphQLSchema, refusal: Refusal) -> None:
    """Make each enum of the schema refuse a value it does not have with ``refusal``'s error."""
    for named in schema.type_map.values():
        if isinstance(named, GraphQLEnumType) and not named.name.startswith("__"):
            named.coerce_input_value = _coerce_value(named, refusal)  # type: ignore[method-assign]
            named.coerce_input_literal = _coerce_literal(named, refusal)  # type: ignore[method-assign]


def _coerce_value(enum: GraphQLEnumType, refusal: Refusal) -> Callable[..., Any]:
    coerce = enum.coerce_input_value

    def coerce_input_value(input_value: Any, _hide_suggestions: bool = False) -> Any:
        try:
            return coerce(input_value, True)
        except GraphQLError:
            shown = f"'{input_value}'" if isinstance(input_value, str) else inspect(input_value)
            raise refusal(enum, shown, None) from None

    return coerce_input_value


def _coerce_literal(enum: GraphQLEnumType, refusal: Refusal) -> Callable[..., Any]:
    coerce = enum.coerce_input_literal

    def coerce_input_literal(node: Any, _hide_suggestions: bool = False) -> Any:
        try:
            return coerce(node, True)
        except GraphQLError:
            shown = f"'{node.value}'" if isinstance(node, EnumValueNode) else print_ast(node)
            raise refusal(enum, shown, node) from None

    return coerce_input_literal


def place_in_variable(error: GraphQLError) -> str | None:
    """Where in its variable the value lay that graphql-core refused (``status.0``, or the
    variable's name for the whole value); None for an error that is not about a variable's value."""
    matched = _IN_VARIABLE.match(error.message)
    if matched is None:
        return None
    steps = [name or index for name, index in _STEP.findall(matched["path"] or "")]
    return ".".join(steps) or matched["name"]
