"""What the row plans of named operations share (services.api.schema's ``*_rows`` modules): the
fields a selection names, and each leaf value serialised as graphql-core completes it, remembered
per distinct value of a column where values repeat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLNonNull, is_leaf_type

from services.api.compiled import Fallback, NotCompiled, fields_of

#: How many distinct values of a column are remembered before they are forgotten all at once.
REMEMBERED = 4096


def plain(node: FieldNode | None, known: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (response key, field name) of each field of the node's selection: known fields only,
    without arguments."""
    if node is None:
        return []
    selected = []
    for each in fields_of(node.selection_set):
        name = each.name.value
        if name not in known or each.arguments:
            raise NotCompiled(name)
        selected.append((each.alias.value if each.alias else name, name))
    return selected


def only(node: FieldNode | None, name: str) -> FieldNode | None:
    if node is None or node.selection_set is None:
        return None
    found = [each for each in fields_of(node.selection_set) if each.name.value == name]
    return found[0] if found else None


def leaf_output(
    field: GraphQLField,
    transform: Callable[[Any], Any] | None = None,
    process: Callable[[Any], Any] | None = None,
) -> Callable[[Any], Any]:
    """The value's serialisation as graphql-core completes the field, nulls refused where it
    refuses them: the driver's value ``process``ed as SQLAlchemy reads it, then ``transform``ed
    as ``from_row`` does."""
    non_null = isinstance(field.type, GraphQLNonNull)
    leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not is_leaf_type(leaf):
        raise NotCompiled("a leaf")
    serialise: Callable[[Any], Any] = leaf.coerce_output_value

    def output(value: Any) -> Any:
        if process is not None:
            value = process(value)
        if transform is not None:
            value = transform(value)
        if value is None:
            if non_null:
                raise Fallback
            return None
        serialised = serialise(value)
        if serialised is None:
            raise Fallback
        return serialised

    return output


def remembered(output: Callable[[Any], Any]) -> tuple[dict[Any, Any], Callable[[Any], Any]]:
    """A memo of a column's outputs by driver value, and the function that fills it."""
    memo: dict[Any, Any] = {}

    def fill(value: Any) -> Any:
        made = output(value)
        if len(memo) >= REMEMBERED:
            memo.clear()
        memo[value] = made
        return made

    return memo, fill
