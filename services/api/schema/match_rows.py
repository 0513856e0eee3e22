"""The ``matches`` connection of a named operation, answered from the read model's rows.

The secretariat's Matches page and a coordinator's WaitingMatches page: one statement per shape of
filter, prepared on first use (projections.prepared), that reads the page's matches with the
columns the selection names of each one's request, offer and the offer's organisation joined, and
its count, in one round trip; each row straight to its edge's dict, without the resolvers' objects
(``Match.from_row``, and the ``AssistanceRequest``, ``Offer`` and ``Organisation`` the loaders
would read whole and make) or the completion of each field. Each value is made as ``from_row``
makes it (each type's ``ROW_FIELDS``) and serialised by its field's own GraphQL type; ``risk``
reads what its resolver reads (services.api.schema.risk), the open incidents of the page's states
in one read through the request's loaders.

A selection it does not know (a field with a resolver of its own but these, a guarded field, an
argument below the root, a fragment) is not planned here: services.api.compiled's plan answers it.
The root's access policy is applied as its gate applies it, and the arguments are converted and
checked as the resolver does; anything it refuses (or a value the schema would not serialise)
makes the request take the general path, which answers with its errors.
tests/integration/test_compiled_operations.py compares both paths for every role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLSchema
from graphql.execution.values import get_argument_values

from domain import codes, security
from projections.matches import queries as match_queries
from projections.matches.tables import matches
from projections.prepared import Prepared
from services.api.compiled import NotCompiled, Request
from services.api.row_plans import (
    Make,
    Process,
    Read,
    Shape,
    ShapedConnection,
    column_at,
    leaf_output,
)
from services.api.schema import match_types, offer_types, organisations, request_types
from services.api.schema.matches import match_filter
from services.api.schema.paging import check_first, decode_cursor, encode_cursor
from services.api.schema.policy import root_gate
from services.api.schema.risk import RiskLevel
from services.api.strawberry_internals import AsyncConvertedResolver

_ORGANISATION = Shape("Organisation", match_queries.ORGANISATION, organisations.ROW_FIELDS)
_OFFER = Shape(
    "Offer",
    match_queries.OFFER,
    offer_types.ROW_FIELDS,
    computed={"remaining": (("quantity", "allocated"), lambda quantity, allocated: quantity - allocated)},
    nested={"organisation": ("organisation", _ORGANISATION)},
)
_REQUEST = Shape(
    "AssistanceRequest",
    match_queries.REQUEST,
    request_types.ROW_FIELDS,
    computed={"gap": (("quantity", "committed"), request_types.open_gap)},
)
_MATCH = Shape(
    "Match",
    matches,
    match_types.ROW_FIELDS,
    nested={"request": ("request", _REQUEST), "offer": ("offer", _OFFER)},
)


class _Page:
    """What one request's rows share: the open incidents of the page's states, and its loaders."""

    __slots__ = ("incidents", "risks")

    def __init__(self, risks: dict[tuple[str, str], Any]) -> None:
        self.incidents: dict[str, list[tuple[str, RiskLevel]]] = {}
        #: Each area's risk, derived once a request (the loaders' ``area_risks``, as ``area_risk``).
        self.risks = risks


class MatchesPlan(ShapedConnection):
    """``matches(...)`` with a selection of the fields above, its edges and page info."""

    def __init__(self, schema: GraphQLSchema, field: GraphQLField, node: FieldNode) -> None:
        #: The gate of the root field this plan answers for, the one its resolver is guarded by.
        self._gate = root_gate("query", node.name.value)
        super().__init__(schema, field, node, _MATCH, _risk)
        #: Where the requests' states are, if ``risk`` is asked for: the incidents are read for them.
        self._states: int | None = None
        if self._spec is not None and any(name == "risk" for name, _key, _make in self._spec):
            self._states = column_at(match_queries.REQUEST.c.member_state, self._columns)

    async def __call__(self, request: Request) -> Any:
        context = request.context
        self._gate(context.principal)
        kwargs = self._arguments(get_argument_values(self._field, self._node, request.variables), None)
        first: int = kwargs.get("first", 20)
        after: str | None = kwargs.get("after")
        check_first(first)
        where = match_filter(kwargs.get("filter"))
        seen = decode_cursor(after) if after else None
        engine = context.runtime.query_engine
        values = match_queries.page_values(where, first=first, after=seen)
        rows, has_next, total, page = await self._page.read(
            engine, values, first, lambda rows: self._statement(engine.dialect, where, seen, rows=rows)
        )
        made = self._maker(page) if page is not None else None
        cursors = [encode_cursor(row[0]) for row in rows]
        nodes: list[Any] = []
        if made is not None and rows:
            make_node, processors = made
            shared = _Page(context.loaders.area_risks)
            if self._states is not None:
                await self._incidents(context.loaders, rows, processors[self._states], shared)
            nodes = [make_node(row, shared) for row in rows]
        return self._page.value(total, has_next, after, cursors, nodes)

    async def _incidents(self, loaders: Any, rows: list[Any], state_of: Process, shared: _Page) -> None:
        """The open incidents of the page's requests' states, read as ``area_risk`` reads them."""
        at = self._states
        assert at is not None
        states = list(
            dict.fromkeys(codes.MemberState(state_of(row[at])).value for row in rows if row[at] is not None)
        )
        found = await loaders.open_incidents.load_many(states)
        for state, incidents in zip(states, found, strict=True):
            shared.incidents[state] = [(code, RiskLevel(severity)) for code, severity in incidents]

    def _statement(
        self, dialect: Any, where: match_queries.MatchFilter, seen: int | None, *, rows: bool
    ) -> Prepared:
        shape = match_queries.page_shape(where)
        return self._statements.get(
            (dialect.name, shape, seen is not None, rows),
            dialect,
            lambda: match_queries.page_statement(shape, self._columns, after=seen is not None, rows=rows),
        )


def _risk(shape: Shape, graphql_field: GraphQLField, node: FieldNode, columns: list[Any]) -> Make | None:
    """``Match.risk``: the request's area's risk from its state's open incidents (``area_risk``)."""
    if shape is not _MATCH or node.name.value != "risk":
        return None
    if type(graphql_field.resolve) is not AsyncConvertedResolver:
        raise NotCompiled("risk is resolved otherwise")
    request = match_queries.REQUEST.c
    id_at, state_at, code_at = (
        column_at(c, columns) for c in (request.id, request.member_state, request.admin_code)
    )

    def make(processors: list[Process]) -> Read:
        output = leaf_output(graphql_field)
        state_of, code_of = processors[state_at], processors[code_at]

        def read(row: Sequence[Any], page: _Page) -> Any:
            if row[id_at] is None:
                return None
            state = codes.MemberState(state_of(row[state_at])).value
            code = code_of(row[code_at])
            risk = page.risks.get((state, code))
            if risk is None:
                risk = page.risks[state, code] = security.risk_at(code, page.incidents[state])
            return output(risk)

        return read

    return make
