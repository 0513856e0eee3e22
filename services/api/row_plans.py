"""What the row plans of named operations share (services.api.schema's ``*_rows`` modules): the
fields a selection names, a paged connection's selection and value, and each leaf value serialised
as graphql-core completes it, remembered per distinct value of a column where values repeat."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)

from projections.prepared import REMEMBERED, Prepared, Unprepared
from services.api.compiled import Fallback, NotCompiled, fields_of
from services.api.graphql_core_internals import Attribute, Child
from services.api.strawberry_internals import ARGUMENTS, ConvertedArguments, loaded_of
from services.identity.policy import GUARDED_FIELDS, REDACTED_FIELDS, SMALL_COUNTS

#: How many statements (shapes of filter) a plan keeps prepared before it forgets them all at once.
STATEMENTS = 256

_CONNECTION = ("totalCount", "pageInfo", "hasNextPage", "edges", "__typename")
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
    edges', each under its response key), and the connection's value made from a page. A field
    the connection type does not have is refused by validation before a plan runs."""

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
        self.rows = bool(asked & {"edges", "pageInfo", "hasNextPage"})
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
            elif name == "hasNextPage":  # a connection of its own fields (a project's), no page info
                value[key] = has_next
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


Process = Callable[[Any], Any]
#: One field: the driver's row and what the page's rows share (a plan's own object), to the
#: field's completed value.
Read = Callable[[Sequence[Any], Any], Any]
#: A field's read, made once the columns' result processors are known.
Make = Callable[[list[Process]], Read]
#: The selected fields of an object: (field name, response key, its read's maker).
Spec = list[tuple[str, str, Make]]


@dataclass(frozen=True)
class Shape:
    """An object type a plan makes of a row: its columns' table, its plain fields as ``from_row``
    reads them (the field, to its column and what ``from_row`` makes of the column's value), the
    fields computed of several columns, the objects of other read models the row names (by the
    field, the loader its resolver reads them through, their rows joined to this one), and the
    objects made of this same row (a project's budget)."""

    type_name: str
    table: Any
    fields: Mapping[str, tuple[str, Process | None]]
    computed: Mapping[str, tuple[tuple[str, ...], Callable[..., Any]]] = field(default_factory=dict)
    nested: Mapping[str, tuple[str, Shape]] = field(default_factory=dict)
    inline: Mapping[str, Shape] = field(default_factory=dict)
    #: The column of the member state its guarded fields belong to (its ``policy_owners``), where
    #: each of them is redacted (null without need-to-know): read here, row by row, by the page's
    #: ``may(key, state)``. None: no guarded field is planned.
    owner: str | None = None


#: A plan's own reading of a field its shape does not name: its maker, or None if it has none.
Other = Callable[[Shape, GraphQLField, FieldNode, list[Any]], "Make | None"]


def object_spec(
    schema: GraphQLSchema, shape: Shape, node: FieldNode, columns: list[Any], other: Other | None = None
) -> Spec:
    """How each selected field of an object of ``shape`` is read; ``columns`` gets the columns
    the statement must read (after the one at index 0). A field guarded by the access policy, one
    with arguments or with a resolver the plan does not know is not planned here."""
    spec: Spec = []
    redacted = shape.owner is not None
    for name, key, graphql_field, each in selected(schema, shape.type_name, node, redacted=redacted):
        if graphql_field is None:
            spec.append((name, key, typename_read(shape.type_name)))
            continue
        guarded = f"{shape.type_name}.{name}"
        if guarded in GUARDED_FIELDS:  # selected lets one through only with an owner: its gate's
            assert shape.owner is not None  # resolver wraps the attribute's, read off the row here
            if name not in shape.fields:
                raise NotCompiled(f"{guarded} is not a column")
            plain = _column_field(shape, graphql_field, name, columns)
            make = redacted_read(guarded, plain, column_at(shape.table.c[shape.owner], columns))
        else:
            make = _field(schema, shape, graphql_field, each, columns, other)
        spec.append((name, key, make))
    return spec


def selected(
    schema: GraphQLSchema, type_name: str, node: FieldNode, *, redacted: bool = False
) -> list[tuple[str, str, GraphQLField | None, FieldNode]]:
    """The (name, response key, field, node) of each field selected of an object of the type
    (the field None for ``__typename``): none with arguments, none the access policy guards (but,
    with ``redacted``, those it redacts)."""
    object_type = schema.type_map.get(type_name)
    if not isinstance(object_type, GraphQLObjectType):
        raise NotCompiled(type_name)
    found: list[tuple[str, str, GraphQLField | None, FieldNode]] = []
    for each in fields_of(node.selection_set):
        name = each.name.value
        key = each.alias.value if each.alias else name
        if each.arguments:
            raise NotCompiled(f"{name} with arguments")
        if name == "__typename":
            found.append((name, key, None, each))
            continue
        graphql_field = object_type.fields.get(name)
        guarded = f"{type_name}.{name}"
        planned = guarded not in GUARDED_FIELDS or (redacted and guarded in REDACTED_FIELDS)
        if graphql_field is None or not planned or guarded in SMALL_COUNTS:
            raise NotCompiled(f"{guarded} is not read here")
        found.append((name, key, graphql_field, each))
    return found


def _field(
    schema: GraphQLSchema,
    shape: Shape,
    graphql_field: GraphQLField,
    node: FieldNode,
    columns: list[Any],
    other: Other | None,
) -> Make:
    name = node.name.value
    if name in shape.fields or name in shape.computed:
        if type(graphql_field.resolve) is not Attribute:
            raise NotCompiled(f"{name} has a resolver of its own")
        if name in shape.fields:
            return _column_field(shape, graphql_field, name, columns)
        read, function = shape.computed[name]
        return computed_read(graphql_field, function, [column_at(shape.table.c[c], columns) for c in read])
    if name in shape.nested:
        loader, nested = shape.nested[name]
        loaded = loaded_of(graphql_field)
        if loaded is None or loaded.loader != loader:
            raise NotCompiled(f"{name} is not the row its loader reads")
        spec = object_spec(schema, nested, node, columns, other)
        return nested_read(spec, column_at(nested.table.c.id, columns))
    if name in shape.inline:
        if type(graphql_field.resolve) is not Child:
            raise NotCompiled(f"{name} has a resolver of its own")
        return nested_read(object_spec(schema, shape.inline[name], node, columns, other), None)
    made = other(shape, graphql_field, node, columns) if other is not None else None
    if made is None:
        raise NotCompiled(name)
    return made


def _column_field(shape: Shape, graphql_field: GraphQLField, name: str, columns: list[Any]) -> Make:
    """A plain field of the shape, read off its column as ``from_row`` reads it."""
    column, transform = shape.fields[name]
    return column_read(graphql_field, transform, column_at(shape.table.c[column], columns))


def redacted_read(key: str, make: Make, owner_at: int) -> Make:
    """A guarded field the policy redacts: its value where the caller may use ``key`` on the
    member state of the column at ``owner_at``, else null, as the owner gate of
    services.api.schema.policy resolves it. The page asks the policy: ``page.may(key, state)``."""

    def made(processors: list[Process]) -> Read:
        read, owner_of = make(processors), processors[owner_at]

        def gated(row: Sequence[Any], page: Any) -> Any:
            return read(row, page) if page.may(key, owner_of(row[owner_at])) else None

        return gated

    return made


class ShapedConnection:
    """What a row plan of a connection of one shape's objects starts from: the root field's
    arguments' converter, the connection's selection, how each selected field of a node is read
    (``object_spec``), the columns its statements read after the position, those statements, and
    the node's maker per dialect."""

    def __init__(
        self,
        schema: GraphQLSchema,
        field: GraphQLField,
        node: FieldNode,
        shape: Shape,
        other: Other | None = None,
    ) -> None:
        self._field, self._node, self._arguments = field, node, compiled_arguments(field)
        self._page = Connection(field, node)
        #: The columns the statements read after the position (SQLAlchemy's).
        self._columns: list[Any] = []
        nodes = self._page.node
        self._spec = object_spec(schema, shape, nodes, self._columns, other) if nodes is not None else None
        self._statements = Statements()
        self._makers: dict[str, tuple[Read, list[Process]]] = {}

    def _maker(self, page: Prepared) -> tuple[Read, list[Process]] | None:
        """The node's maker for this dialect and the columns' processors, made once the page's
        statement's processors are known; None where no node is asked for."""
        return None if self._spec is None else made_for(self._spec, self._makers, page)


def made_for(
    spec: Spec, makers: dict[str, tuple[Read, list[Process]]], page: Prepared
) -> tuple[Read, list[Process]]:
    """The maker of ``spec``'s objects for the page's dialect, and the columns' processors, made
    once (kept in ``makers``) when the page's statement's processors are first known."""
    name = page.dialect.name
    made = makers.get(name)
    if made is None:
        processors = [processed(process) for process in page.processors()]
        made = makers[name] = (object_maker(spec, processors), processors)
    return made


def typename_read(type_name: str) -> Make:
    return lambda _processors: lambda _row, _page: type_name


def column_read(graphql_field: GraphQLField, transform: Process | None, at: int) -> Make:
    """A field of one column, its outputs remembered per distinct value of the column."""

    def make(processors: list[Process]) -> Read:
        memo, fill = remembered(leaf_output(graphql_field, transform, processors[at]))

        def read(row: Sequence[Any], _page: Any) -> Any:
            made = memo.get(value := row[at])
            return made if made is not None else fill(value)

        return read

    return make


def computed_read(graphql_field: GraphQLField, function: Callable[..., Any], at: list[int]) -> Make:
    """A field ``function`` computes of several columns' values, its outputs remembered per
    distinct set of the columns' values (a state and an area code, say)."""

    def make(processors: list[Process]) -> Read:
        output = leaf_output(graphql_field)
        reads = [processors[i] for i in at]
        memo, fill = remembered(
            lambda given: output(function(*[p(v) for p, v in zip(reads, given, strict=True)]))
        )

        def read(row: Sequence[Any], _page: Any) -> Any:
            given = tuple([row[i] for i in at])
            made = memo.get(given)
            return made if made is not None else fill(given)

        return read

    return make


def nested_read(spec: Spec, key_at: int | None) -> Make:
    """An object made of the same row: null where the column at ``key_at`` is (an outer join
    that found no row, its resolver's None)."""

    def make(processors: list[Process]) -> Read:
        reads = [(key, each(processors)) for _name, key, each in spec]
        if key_at is None:
            return lambda row, page: {key: each(row, page) for key, each in reads}

        def read(row: Sequence[Any], page: Any) -> Any:
            if row[key_at] is None:
                return None
            return {key: each(row, page) for key, each in reads}

        return read

    return make


def object_maker(spec: Spec, processors: list[Process]) -> Read:
    """The object's dict of a row."""
    reads = [(key, make(processors)) for _name, key, make in spec]

    def node(row: Sequence[Any], page: Any) -> Any:
        return {key: read(row, page) for key, read in reads}

    return node


def column_at(column: Any, columns: list[Any]) -> int:
    """The column's index in the statement's rows (after the one at index 0)."""
    for i, each in enumerate(columns):
        if each is column:
            return i + 1
    columns.append(column)
    return len(columns)


def processed(process: Process | None) -> Process:
    return (lambda value: value) if process is None else process
