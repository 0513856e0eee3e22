"""The ``requests`` connection of a named operation, answered from the read model's rows.

The dashboard's ``Requests`` and ``OldestUnmetNeeds`` pages: one statement per shape of filter,
prepared on first use (projections.prepared), the page's rows and its count in one round trip, and
each row straight to its edge's dict, without the resolver's objects (``AssistanceRequest.from_row``,
edges, ``PageInfo``) or graphql-core's completion. Each value is made as ``from_row`` makes it
(``ROW_FIELDS``) and serialised by its field's own GraphQL type, once per distinct value of a
column where values repeat (states, sectors, quantities, dates).

A selection it does not know (a field with a resolver of its own, a guarded field, an argument
below the root) is not planned here: services.api.compiled's plan answers it. The root's access
policy is applied as its gate applies it, and the arguments are converted and checked as the
resolver does; anything it refuses (or a value the schema would not serialise) makes the request
take the general path, which answers with its errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
)
from graphql.execution.values import get_argument_values

from projections.assistance_requests import queries as request_queries
from projections.prepared import Prepared
from services.api.compiled import NotCompiled, Request
from services.api.graphql_core_internals import Attribute
from services.api.row_plans import (
    Connection,
    Statements,
    compiled_arguments,
    leaf_output,
    plain,
    processed,
    remembered,
)
from services.api.schema.paging import check_first, decode_cursor, encode_cursor
from services.api.schema.policy import root_gate
from services.api.schema.request_types import ROW_FIELDS, open_gap
from services.api.schema.scalars import RequestOrder
from services.identity.policy import GUARDED_FIELDS, SMALL_COUNTS

_NODE = "AssistanceRequest"
#: Columns whose values are mostly unique: converted every time, not remembered.
_UNIQUE = frozenset({"id", "title", "description", "posted_at", "updated_at"})


class RequestsPlan:
    """``requests(...)`` with a selection of plain fields, its edges and page info."""

    def __init__(self, schema: GraphQLSchema, field: GraphQLField, node: FieldNode) -> None:
        #: The gate of the root field this plan answers for, the one its resolver is guarded by.
        self._gate = root_gate("query", node.name.value)
        self._field, self._node, self._arguments = field, node, compiled_arguments(field)
        self._page = Connection(field, node)
        node_type = schema.type_map.get(_NODE)
        if not isinstance(node_type, GraphQLObjectType):
            raise NotCompiled(_NODE)
        nodes = self._page.node
        self._columns: list[str] = []
        self._spec = _node_spec(node_type, nodes, self._columns) if nodes is not None else None
        self._position = _column("posted_position", self._columns)
        self._node_type = node_type.name
        self._statements = Statements()
        self._makers: dict[str, Callable[[Any], Any]] = {}

    async def __call__(self, request: Request) -> Any:
        context = request.context
        self._gate(context.principal)
        values = get_argument_values(self._field, self._node, request.variables)
        kwargs = self._arguments(values, None)
        first: int = kwargs.get("first", 20)
        after: str | None = kwargs.get("after")
        order: RequestOrder = kwargs.get("order_by", RequestOrder.NEWEST)
        check_first(first)
        chosen = kwargs.get("filter")
        where = chosen.to_query() if chosen else request_queries.RequestFilter()
        seen = decode_cursor(after) if after else None
        engine = context.runtime.query_engine
        parameters = request_queries.page_values(where, first=first, after=seen)
        rows, has_next, total, page = await self._page.read(
            engine,
            parameters,
            first,
            lambda rows: self._statement(engine.dialect, where, order, seen, rows=rows),
        )
        make_node = self._maker(page) if page is not None else None
        if order is RequestOrder.NEWEST:
            cursors = [encode_cursor(row[self._position]) for row in rows]
        else:
            cursors = [encode_cursor((seen or 0) + i + 1) for i in range(len(rows))]
        nodes = [make_node(row) for row in rows] if make_node is not None else []
        return self._page.value(total, has_next, after, cursors, nodes)

    def _statement(
        self,
        dialect: Any,
        where: request_queries.RequestFilter,
        order: RequestOrder,
        seen: int | None,
        *,
        rows: bool,
    ) -> Prepared:
        key = (dialect.name, request_queries.page_shape(where), order.value, seen is not None, rows)
        return self._statements.get(
            key,
            dialect,
            lambda: request_queries.page_statement(
                where,
                self._columns,
                order=order.value,
                after=seen is not None,
                rows=rows,
                count=self._page.count,
            ),
        )

    def _maker(self, page: Prepared) -> Callable[[Any], Any] | None:
        """The node's maker for this dialect, built once its statement's processors are known."""
        if self._spec is None:
            return None
        maker = self._makers.get(page.dialect.name)
        if maker is None:
            processors = page.processors()[: len(self._columns)]
            maker = _node_maker(self._node_type, self._spec, processors)
            self._makers[page.dialect.name] = maker
        return maker


#: One field of the node: (response key, field name, its GraphQL field or None, column indices).
_Spec = tuple[str, str, GraphQLField | None, tuple[int, ...]]


def _node_spec(node_type: GraphQLObjectType, node: FieldNode, columns: list[str]) -> list[_Spec]:
    """What each selected field of the node reads; ``columns`` gets the columns they read."""
    spec: list[_Spec] = []
    for key, name in plain(node, (*ROW_FIELDS, "gap", "__typename")):
        if name == "__typename":
            spec.append((key, name, None, ()))
            continue
        field = node_type.fields[name]
        if f"{node_type.name}.{name}" in GUARDED_FIELDS or f"{node_type.name}.{name}" in SMALL_COUNTS:
            raise NotCompiled(f"{name} is guarded")
        if type(field.resolve) is not Attribute:
            raise NotCompiled(f"{name} has a resolver of its own")
        read = ("quantity", "committed") if name == "gap" else (ROW_FIELDS[name][0],)
        spec.append((key, name, field, tuple(_column(column, columns) for column in read)))
    return spec


def _node_maker(
    type_name: str, spec: list[_Spec], processors: Sequence[Callable[[Any], Any] | None]
) -> Callable[[Any], Any]:
    """A generated function from a driver's row to the node's dict, in the selection's order."""
    namespace: dict[str, Any] = {"__builtins__": {}}
    entries = []
    for i, (key, name, field, at) in enumerate(spec):
        if field is None:
            entries.append(f"{key!r}: {type_name!r}")
            continue
        read = [processed(processors[column]) for column in at]
        if name == "gap":
            output = leaf_output(field)
            quantity, committed = read

            def gap(
                pair: Any, quantity: Any = quantity, committed: Any = committed, output: Any = output
            ) -> Any:
                return output(open_gap(quantity(pair[0]), committed(pair[1])))

            namespace[f"m{i}"], namespace[f"f{i}"] = remembered(gap)
            value = f"(row[{at[0]}], row[{at[1]}])"
        else:
            column, transform = ROW_FIELDS[name]
            output = leaf_output(field, transform, read[0])
            if column in _UNIQUE:
                namespace[f"f{i}"] = output
                entries.append(f"{key!r}: f{i}(row[{at[0]}])")
                continue
            namespace[f"m{i}"], namespace[f"f{i}"] = remembered(output)
            value = f"row[{at[0]}]"
        entries.append(f"{key!r}: (v if (v := m{i}.get(k := {value})) is not None else f{i}(k))")
    source = "def node(row):\n    return {" + ", ".join(entries) + "}"
    exec(compile(source, f"<rows of {type_name}>", "exec"), namespace)  # noqa: S102 (made of the schema's names)
    made: Callable[[Any], Any] = namespace["node"]
    return made


def _column(name: str, columns: list[str]) -> int:
    if name not in columns:
        columns.append(name)
    return columns.index(name)
