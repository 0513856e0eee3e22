"""Coverage of needs over GraphQL: requested, committed, delivered and the gap."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import strawberry
from graphql import FieldNode, GraphQLField, GraphQLObjectType, GraphQLSchema
from graphql.execution.values import get_argument_values

from domain import codes
from projections.coverage import queries as coverage_queries
from projections.prepared import Statements
from services.api.compiled import Fallback, NotCompiled, Request
from services.api.graphql_core_internals import Attribute
from services.api.row_plans import leaf_output, plain, remembered
from services.api.schema.context import Info
from services.api.schema.policy import root_gate
from services.api.schema.scalars import (
    CoverageGroup,
    MemberState,
    Sector,
    parse_id,
)
from services.api.strawberry_internals import ARGUMENTS
from services.identity.policy import GUARDED_FIELDS, SMALL_COUNTS


@strawberry.type(description="Coverage of needs in one group: requested, committed, delivered, gap.")
class CoverageRow:
    member_state: MemberState | None
    sector: Sector | None
    requests: int
    requested: Decimal
    committed: Decimal
    delivered: Decimal
    gap: Decimal


def _state(value: str | None) -> codes.MemberState | None:
    return codes.MemberState(value) if value else None


def _sector(value: str | None) -> codes.Sector | None:
    return codes.Sector(value) if value else None


#: Each field of CoverageRow as the resolver makes it from the query's row: the row's attribute,
#: and what is made of it (None: the value itself).
_FIELDS: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "memberState": ("member_state", _state),
    "sector": ("sector", _sector),
    "requests": ("requests", None),
    "requested": ("requested", None),
    "committed": ("committed", None),
    "delivered": ("delivered", None),
    "gap": ("gap", None),
}


@strawberry.type
class CoverageQuery:
    @strawberry.field(
        description=(
            "Requested, committed and delivered per member state and/or sector, and the gap "
            "(cancelled requests left out; committed and delivered counted up to what was requested)."
        )
    )
    async def coverage(
        self,
        info: Info,
        crisis: strawberry.ID | None = None,
        group_by: list[CoverageGroup] | None = None,
    ) -> list[CoverageRow]:
        groups = set(group_by or [CoverageGroup.STATE, CoverageGroup.SECTOR])
        rows = await coverage_queries.coverage(
            info.context.runtime.query_engine,
            parse_id(crisis, "crisis") if crisis else None,
            by_state=CoverageGroup.STATE in groups,
            by_sector=CoverageGroup.SECTOR in groups,
        )
        return [
            CoverageRow(
                member_state=_state(r.member_state),
                sector=_sector(r.sector),
                requests=r.requests,
                requested=r.requested,
                committed=r.committed,
                delivered=r.delivered,
                gap=r.gap,
            )
            for r in rows
        ]


class CoveragePlan:
    """``coverage(...)`` of a named operation, from the cells' rows (projections.prepared) to the
    response's dicts, without the resolver's objects: each value made as the resolver makes it and
    serialised by its field's GraphQL type (services.api.row_plans)."""

    def __init__(self, schema: GraphQLSchema, field: GraphQLField, node: FieldNode) -> None:
        #: The gate of the root field this plan answers for, the one its resolver is guarded by.
        self._gate = root_gate("query", node.name.value)
        arguments = (field.extensions or {}).get(ARGUMENTS)
        row_type = schema.type_map.get("CoverageRow")
        if arguments is None or not arguments.compiled or not isinstance(row_type, GraphQLObjectType):
            raise NotCompiled("coverage")
        self._field, self._node, self._arguments = field, node, arguments
        #: (response key, the row's attribute, its outputs remembered, the function that fills them);
        #: __typename has no attribute.
        self._outputs: list[tuple[str, str | None, dict[Any, Any], Callable[[Any], Any]]] = []
        for key, name in plain(node, (*_FIELDS, "__typename")):
            if name == "__typename":
                self._outputs.append((key, None, {}, str))
                continue
            item = row_type.fields[name]
            if f"CoverageRow.{name}" in GUARDED_FIELDS or f"CoverageRow.{name}" in SMALL_COUNTS:
                raise NotCompiled(f"{name} is guarded")
            if type(item.resolve) is not Attribute:
                raise NotCompiled(f"{name} has a resolver of its own")
            attribute, transform = _FIELDS[name]
            memo, fill = remembered(leaf_output(item, transform))
            self._outputs.append((key, attribute, memo, fill))
        self._statements: Statements[bool, Any] = Statements(
            lambda crisis: coverage_queries.cells_statement(crisis=crisis)
        )
        #: Each column's values as SQLAlchemy reads them (quantities, the places' JSON), remembered.
        self._reads: dict[tuple[str, bool], list[tuple[dict[Any, Any], Callable[[Any], Any]] | None]] = {}

    async def __call__(self, request: Request) -> Any:
        context = request.context
        self._gate(context.principal)
        kwargs = self._arguments(get_argument_values(self._field, self._node, request.variables), None)
        crisis = kwargs.get("crisis")
        groups = set(kwargs.get("group_by") or [CoverageGroup.STATE, CoverageGroup.SECTOR])
        engine = context.runtime.query_engine
        shape = (engine.dialect.name, bool(crisis))
        prepared = self._statements.prepared(engine, bool(crisis))
        if prepared is None:
            raise Fallback("no raw path for this engine")
        values = {"crisis_id": parse_id(crisis, "crisis")} if crisis else {}
        cells = await prepared.rows(engine, values)
        reads = self._reads.get(shape)
        if reads is None:
            reads = self._reads[shape] = [
                None if process is None else remembered(process) for process in prepared.processors()
            ]
        rows = coverage_queries.totals(
            ([_read(value, read) for value, read in zip(cell, reads, strict=True)] for cell in cells),
            by_state=CoverageGroup.STATE in groups,
            by_sector=CoverageGroup.SECTOR in groups,
        )
        made = []
        for row in rows:
            value: dict[str, Any] = {}
            for key, attribute, memo, fill in self._outputs:
                if attribute is None:
                    value[key] = "CoverageRow"
                    continue
                read = getattr(row, attribute)
                output = memo.get(read)
                value[key] = output if output is not None else fill(read)
            made.append(value)
        return made


def _read(value: Any, read: tuple[dict[Any, Any], Callable[[Any], Any]] | None) -> Any:
    """A cell's value as SQLAlchemy reads it (``totals`` only reads what it is given)."""
    if read is None or value is None:
        return value
    memo, fill = read
    known = memo.get(value)
    return known if known is not None else fill(value)
