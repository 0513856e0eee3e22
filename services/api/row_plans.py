"""What the row plans of named operations share (services.api.schema's ``*_rows`` modules): the
fields a selection names, a paged connection's selection and value, and each leaf value serialised
as graphql-core completes it, remembered per distinct value of a column where values repeat."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLNonNull, GraphQLObjectType, get_named_type, is_leaf_type

from projections.prepared import Prepared, Unprepared
from services.api.compiled import Fallback, NotCompiled, fields_of
from services.api.strawberry_internals import ARGUMENTS, ConvertedArguments

#: How many distinct values of a column are remembered before they are forgotten all at once.
REMEMBERED = 4096
#: How many statements (shapes of filter) a plan keeps prepared before it forgets them all at once.
STATEMENTS = 256

_CONNECTION = ("totalCount", "pageInfo", "edges", "__typename")
_PAGE_INFO = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename")
_EDGE = ("cursor", "node", "__typename")


def compiled_arguments(field: GraphQLField) -> ConvertedArguments:
    """The root field's arguments' converter, where it converts them all itself."""
    arguments = (field.extensions or {}).get(ARGUMENTS)
    if not isinstance(arguments, ConvertedArguments) or not arguments.compiled:
        raise NotCompiled("arguments strawberry converts itself")
    return arguments


class Statements:
    """A plan's statements, each prepared on first use for its key (a dialect, a shape of filter),
    forgotten all at once past ``STATEMENTS``; one the driver cannot run as it is makes the request
    take the general path."""

    def __init__(self) -> None:
        self._prepared: dict[Hashable, Prepared] = {}

    def get(self, key: Hashable, dialect: Any, build: Callable[[], Any]) -> Prepared:
        prepared = self._prepared.get(key)
        if prepared is None:
            try:
                prepared = Prepared(build(), dialect)
            except Unprepared as why:
                raise Fallback from why
            if len(self._prepared) >= STATEMENTS:  # a shape per length of each list a filter has
                self._prepared.clear()
            self._prepared[key] = prepared
        return prepared


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


class Connection:
    """What a named operation asks of a paged connection (its own fields, its page info's and its
    edges', each under its response key), and the connection's value made from a page."""

    def __init__(self, field: GraphQLField, node: FieldNode) -> None:
        connection = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if not isinstance(connection, GraphQLObjectType) or "edges" not in connection.fields:
            raise NotCompiled("a connection")
        self.type = connection
        self._fields = plain(node, _CONNECTION)
        self._page_info = plain(only(node, "pageInfo"), _PAGE_INFO)
        edges = only(node, "edges")
        self._edge = plain(edges, _EDGE)
        self._edge_type = get_named_type(connection.fields["edges"].type).name
        #: The selection of the edges' nodes, if they are asked for.
        self.node = only(edges, "node")
        asked = {name for _key, name in self._fields}
        #: Whether the page's rows are read (for its edges or page info), and its count.
        self.rows = bool(asked & {"edges", "pageInfo"})
        self.count = "totalCount" in asked
        self._total = leaf_output(connection.fields["totalCount"])

    async def read(
        self, engine: Any, values: Mapping[str, Any], first: int, statement: Callable[[bool], Prepared]
    ) -> tuple[list[Any], bool, int, Prepared | None]:
        """The page's ``first`` rows (each with the filter's count last), whether more follow (the
        statement reads one more), the count, and the rows' statement: ``statement(True)`` if rows
        are asked for, ``statement(False)`` (the count alone) if only the count is, or the page is
        empty."""
        rows: list[Any] = []
        total = 0
        page = None
        if self.rows:
            page = statement(True)
            rows = list(await page.rows(engine, values))
            if rows:
                total = rows[0][-1]
        if self.count and not rows:
            total = (await statement(False).rows(engine, values))[0][0]
        has_next = len(rows) > first
        del rows[first:]
        return rows, has_next, total, page

    def value(
        self, total: int, has_next: bool, after: str | None, cursors: list[str], nodes: list[Any]
    ) -> dict[str, Any]:
        """The connection's dict, as graphql-core completes it; ``nodes``, one a cursor, when the
        edges' nodes are asked for."""
        value: dict[str, Any] = {}
        for key, name in self._fields:
            if name == "totalCount":
                value[key] = self._total(total)
            elif name == "__typename":
                value[key] = self.type.name
            elif name == "pageInfo":
                page_info = {
                    "hasNextPage": has_next,
                    "hasPreviousPage": after is not None,
                    "startCursor": cursors[0] if cursors else None,
                    "endCursor": cursors[-1] if cursors else None,
                    "__typename": "PageInfo",
                }
                value[key] = {k: page_info[n] for k, n in self._page_info}
            else:
                edge_type = self._edge_type
                value[key] = [
                    {
                        k: (nodes[i] if n == "node" else cursor if n == "cursor" else edge_type)
                        for k, n in self._edge
                    }
                    for i, cursor in enumerate(cursors)
                ]
        return value
