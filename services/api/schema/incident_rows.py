"""The ``incidentsConnection`` of a named operation, answered from the read model's rows.

The incidents page (``StateIncidents``) and the dashboard (``SecurityIncidents``): one statement per
shape of filter, prepared on first use (projections.prepared), the page's rows and its count in one
round trip, and each row straight to its edge's dict, without the resolver's objects
(``SecurityIncident.from_row``, edges, ``PageInfo``) or graphql-core's completion of each field of
each row. Each value is made as ``from_row`` makes it (``ROW_FIELDS``) and serialised by its
field's own GraphQL type; ``description`` is redacted as the policy's owner gate redacts it, per
incident's member state.

A selection it does not know (``affectedOrganisations``, a list; an argument below the root) is not
planned here, and a filter by area (matched by prefix) is not bound: services.api.compiled's plan,
or the general path, answers them. tests/integration/test_compiled_operations.py compares both
paths for every role.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLSchema
from graphql.execution.values import get_argument_values

from domain import codes
from projections.prepared import Prepared
from projections.security_incidents import queries as incident_queries
from projections.security_incidents.tables import security_incidents
from services.api.compiled import Fallback, Request
from services.api.row_plans import Shape, ShapedConnection
from services.api.schema.paging import MAX_PAGE, check_first, decode_cursor, encode_cursor
from services.api.schema.policy import root_gate
from services.api.schema.relief_worker_safety import ROW_FIELDS, incident_filter
from services.identity.access import Owner, Principal, may

_INCIDENT = Shape("SecurityIncident", security_incidents, ROW_FIELDS, owner="member_state")


class _Page:
    """What one request's rows share: who asks, and what the policy answered for each state."""

    __slots__ = ("allowed", "principal")

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.allowed: dict[tuple[str, Any], bool] = {}

    def may(self, key: str, state: str) -> bool:
        """The policy's owner gate of ``key`` on an incident of this member state."""
        allowed = self.allowed.get((key, state))
        if allowed is None:
            owner = Owner(member_state=codes.MemberState(state))
            allowed = self.allowed[key, state] = may(self.principal, key, owner)
        return allowed


class IncidentsPlan(ShapedConnection):
    """``incidentsConnection(...)`` with a selection of ``ROW_FIELDS``, its edges and page info."""

    def __init__(self, schema: GraphQLSchema, field: GraphQLField, node: FieldNode) -> None:
        #: The gate of the root field this plan answers for, the one its resolver is guarded by.
        self._gate = root_gate("query", node.name.value)
        super().__init__(schema, field, node, _INCIDENT)

    async def __call__(self, request: Request) -> Any:
        context = request.context
        self._gate(context.principal)
        kwargs = self._arguments(get_argument_values(self._field, self._node, request.variables), None)
        first: int = kwargs.get("first", MAX_PAGE)
        after: str | None = kwargs.get("after")
        check_first(first)
        where = incident_filter(
            kwargs.get("crisis"), kwargs.get("member_state"), kwargs.get("area"), kwargs.get("status")
        )
        if where.areas:
            raise Fallback  # matched by prefix: the general path's query
        before = decode_cursor(after) if after else None
        engine = context.runtime.query_engine
        values = incident_queries.page_values(where, first=first, before=before)
        shape = incident_queries.page_shape(where)
        rows, has_next, total, page = await self._page.read(
            engine, values, first, lambda rows: self._statement(engine.dialect, shape, before, rows=rows)
        )
        cursors = [encode_cursor(row[0]) for row in rows]
        nodes: list[Any] = []
        made = self._maker(page) if page is not None else None
        if made is not None and rows:
            make_node, _processors = made
            shared = _Page(context.principal)
            nodes = [make_node(row, shared) for row in rows]
        return self._page.value(total, has_next, after, cursors, nodes)

    def _statement(self, dialect: Any, shape: tuple[int, ...], before: int | None, *, rows: bool) -> Prepared:
        return self._statements.get(
            (dialect.name, shape, before is not None, rows),
            dialect,
            lambda: incident_queries.page_statement(
                shape, self._columns, before=before is not None, rows=rows
            ),
        )
