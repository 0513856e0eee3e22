"""The ``movementsConnection`` of a named operation, answered from the read model's rows.

The movements pages (``Movements``, ``StateMovements``): one statement per shape of filter, prepared
on first use (projections.prepared), the page's rows and its count in one round trip, and each row
straight to its edge's dict, without the resolver's objects (``Movement.from_row``, edges,
``PageInfo``) or graphql-core's completion of each field of each row, which ``risk`` and the havens
(fields that await a loader) would otherwise cost. Those read what their resolvers read, through the
request's own loaders: the open incidents of the page's states in one read, its havens in one.

Who sees what is decided as the policy's gates decide it (services.api.schema.policy): the exact
areas for need-to-know only, each count of people disclosed by role (projections.disclosure). A
selection it does not know (a field with an argument, a guarded field it does not apply, a haven's
history) is not planned here; anything the resolver refuses (or a value the schema would not
serialise) makes the request take the general path, which answers with its errors.
tests/integration/test_compiled_operations.py compares both paths for every role.

Over 300 lines on purpose: the plan and each field's read, each to be read against its resolver in
services.api.schema.movement_types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLObjectType, GraphQLSchema
from graphql.execution.values import get_argument_values

from domain import codes, movements, security
from projections.disclosure import Suppressed, disclose, disclose_count
from projections.movements.pages import MovementFilter, page_shape, page_statement, page_values
from projections.prepared import REMEMBERED, Prepared
from services.api.compiled import Complete, Fallback, NotCompiled, Request, completion, fields_of
from services.api.graphql_core_internals import Attribute
from services.api.row_plans import (
    Connection,
    Statements,
    compiled_arguments,
    leaf_output,
    processed,
    remembered,
)
from services.api.schema.areas import visible_areas
from services.api.schema.movement_types import (
    AgeGroup,
    GroupCount,
    Sex,
    Voluntariness,
    VulnerableCount,
    movement_policy_owners,
)
from services.api.schema.paging import MAX_PAGE, check_first, decode_cursor, encode_cursor
from services.api.schema.policy import root_gate
from services.api.schema.risk import RiskLevel
from services.api.schema.safe_haven_types import SafeHaven
from services.api.schema.scalars import id_of, parse_id
from services.identity.access import Principal, may
from services.identity.policy import GUARDED_FIELDS, REDACTED_FIELDS, SMALL_COUNTS

_NODE = "Movement"


#: Each field of Movement read straight off its row, as ``from_row`` makes it: the column, and
#: what is made of its value (None: the value itself).
_PLAIN: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "id": ("id", id_of),
    "crisisId": ("crisis_id", id_of),
    "kind": ("kind", movements.MovementKind),
    "status": ("status", movements.MovementStatus),
    "originCountry": ("origin_country", None),
    "memberState": ("destination_state", codes.MemberState),
    "destinationAdmin1": ("destination_admin1", None),
    "plannedDeparture": ("planned_departure", None),
    "plannedArrival": ("planned_arrival", None),
    "departedOn": ("departed_on", None),
    "arrivedOn": ("arrived_on", None),
    "clearedRisk": ("cleared_risk", lambda value: RiskLevel(value) if value else None),
}
#: Columns whose values are mostly unique: converted every time, not remembered.
_UNIQUE = frozenset({"id"})
#: The exact areas, which the policy's gate resolves to null without need-to-know.
_EXACT = {"originAdminCode": "origin_admin_code", "destinationAdminCode": "destination_admin_code"}
_HAVENS = {"originSafeHaven": "origin_haven_id", "destinationSafeHaven": "destination_haven_id"}
_VOLUNTARINESS = ("voluntariness_confirmed_by", "voluntariness_method", "voluntariness_confirmed_on")

Process = Callable[[Any], Any]
#: One field of the node: the driver's row and the request's page to its completed value.
Read = Callable[[Sequence[Any], "_Page"], Any]
#: A field's read, made once the columns' result processors are known (index 0: the position).
Make = Callable[[list[Process]], Read]


class _Page:
    """What one request's rows share: who asks, and what the page's loaders read."""

    __slots__ = ("allowed", "havens", "incidents", "principal", "request", "risks", "role")

    def __init__(self, request: Request) -> None:
        self.request = request
        self.principal: Principal = request.context.principal
        self.role = self.principal.role
        self.incidents: dict[str, list[tuple[str, RiskLevel]]] = {}
        #: The page's havens by the driver's value of their id.
        self.havens: dict[Any, SafeHaven | None] = {}
        self.allowed: dict[tuple[str, str, str], bool] = {}
        self.risks: dict[tuple[str, str], Any] = {}

    def may(self, key: str, receiving: str, origin: str) -> bool:
        """The policy's owner gate of ``key`` on a movement between these states."""
        asked = (key, receiving, origin)
        allowed = self.allowed.get(asked)
        if allowed is None:
            allowed = may(self.principal, key, *movement_policy_owners(receiving, origin))
            self.allowed[asked] = allowed
        return allowed


class MovementsPlan:
    """``movementsConnection(...)`` with a selection of the fields above, its edges and page info."""

    def __init__(self, schema: GraphQLSchema, field: GraphQLField, node: FieldNode) -> None:
        #: The gate of the root field this plan answers for, the one its resolver is guarded by.
        self._gate = root_gate("query", node.name.value)
        self._field, self._node, self._arguments = field, node, compiled_arguments(field)
        self._page = Connection(field, node)
        node_type = schema.type_map.get(_NODE)
        if not isinstance(node_type, GraphQLObjectType):
            raise NotCompiled("a connection of movements")
        nodes = self._page.node
        self._columns: list[str] = []
        self._spec = _node_spec(schema, node_type, nodes, self._columns) if nodes is not None else None
        self._states: tuple[int, ...] = ()
        self._havens: tuple[int, ...] = ()
        if self._spec is not None:
            #: The columns the loaders are asked about: the destination's state for ``risk``, havens.
            self._states = tuple(
                _at("destination_state", self._columns) for _key, name, _make in self._spec if name == "risk"
            )[:1]
            self._havens = tuple(
                _at(_HAVENS[name], self._columns) for _key, name, _make in self._spec if name in _HAVENS
            )
        self._statements = Statements()
        self._makers: dict[str, Callable[[Sequence[Any], _Page], Any]] = {}
        self._processors: dict[str, list[Process]] = {}

    async def __call__(self, request: Request) -> Any:
        context = request.context
        principal = context.principal
        self._gate(principal)
        kwargs = self._arguments(get_argument_values(self._field, self._node, request.variables), None)
        first: int = kwargs.get("first", MAX_PAGE)
        after: str | None = kwargs.get("after")
        check_first(first)
        where = MovementFilter(
            crisis_ids=[parse_id(c, "crisis") for c in kwargs.get("crisis") or []],
            member_states=[codes.MemberState(s).value for s in kwargs.get("member_state") or []],
            statuses=[movements.MovementStatus(s).value for s in kwargs.get("status") or []],
            kinds=[movements.MovementKind(k).value for k in kwargs.get("kind") or []],
            areas=visible_areas(principal, "Movement.destinationAdminCode", kwargs.get("area")),
        )
        if where.areas:
            raise Fallback  # matched by prefix: the general path's query
        seen = decode_cursor(after) if after else None
        engine = context.runtime.query_engine
        values = page_values(where, first=first, after=seen)
        rows, has_next, total, page = await self._page.read(
            engine, values, first, lambda rows: self._statement(engine.dialect, where, seen, rows=rows)
        )
        make_node = self._maker(page) if page is not None else None
        cursors = [encode_cursor(row[0]) for row in rows]
        nodes: list[Any] = []
        if make_node is not None and rows:
            shared = await self._loaded(request, rows, self._processors[engine.dialect.name])
            nodes = [make_node(row, shared) for row in rows]
        return self._page.value(total, has_next, after, cursors, nodes)

    async def _loaded(self, request: Request, rows: list[Any], processors: list[Process]) -> _Page:
        """The page's open incidents and havens, read through the request's loaders as the
        resolvers of ``risk`` and the havens read them: each in one read for the page."""
        shared = _Page(request)
        loaders = request.context.loaders
        if self._states:
            (at,) = self._states
            states = list(dict.fromkeys(codes.MemberState(processors[at](row[at])).value for row in rows))
            found = await loaders.open_incidents.load_many(states)
            for state, incidents in zip(states, found, strict=True):
                shared.incidents[state] = [(code, RiskLevel(severity)) for code, severity in incidents]
        if self._havens:
            raw = list(dict.fromkeys(row[at] for at in self._havens for row in rows if row[at] is not None))
            ids = [processors[self._havens[0]](value) for value in raw]  # both columns are ids
            havens = await loaders.safe_haven.load_many(ids)
            shared.havens = {
                value: SafeHaven.from_row(row) if row is not None else None
                for value, row in zip(raw, havens, strict=True)
            }
        return shared

    def _statement(self, dialect: Any, where: MovementFilter, seen: int | None, *, rows: bool) -> Prepared:
        key = (dialect.name, page_shape(where), seen is not None, rows)
        return self._statements.get(
            key, dialect, lambda: page_statement(where, self._columns, after=seen is not None, rows=rows)
        )

    def _maker(self, page: Prepared) -> Callable[[Sequence[Any], _Page], Any] | None:
        """The node's maker for this dialect, built once its statement's processors are known."""
        if self._spec is None:
            return None
        name = page.dialect.name
        maker = self._makers.get(name)
        if maker is None:
            processors = [processed(process) for process in page.processors()]
            reads = [(key, make(processors)) for key, _name, make in self._spec]
            self._processors[name] = processors

            def maker(row: Sequence[Any], shared: _Page, reads: list[tuple[str, Read]] = reads) -> Any:
                return {key: read(row, shared) for key, read in reads}

            self._makers[name] = maker
        return maker


def _node_spec(
    schema: GraphQLSchema, node_type: GraphQLObjectType, node: FieldNode, columns: list[str]
) -> list[tuple[str, str, Make]]:
    """How each selected field of the node is read: (response key, field name, its read's maker);
    ``columns`` gets the columns they read (after the position, the statement's first)."""
    spec: list[tuple[str, str, Make]] = []
    for each in fields_of(node.selection_set):
        name = each.name.value
        key = each.alias.value if each.alias else name
        if each.arguments:
            raise NotCompiled(f"{name} with arguments")
        if name == "__typename":
            spec.append((key, name, lambda _processors: lambda _row, _page: _NODE))
            continue
        field = node_type.fields.get(name)
        if field is None:
            raise NotCompiled(name)
        spec.append((key, name, _field(schema, field, each, columns)))
    return spec


def _field(schema: GraphQLSchema, field: GraphQLField, node: FieldNode, columns: list[str]) -> Make:
    """One field's read, or NotCompiled where this plan does not answer it as the schema does."""
    name = node.name.value
    guarded = f"{_NODE}.{name}"
    if guarded in GUARDED_FIELDS and (name not in _EXACT or guarded not in REDACTED_FIELDS):
        raise NotCompiled(f"{name} is guarded")
    if guarded in SMALL_COUNTS and (name != "peopleArrived" or SMALL_COUNTS[guarded]):
        raise NotCompiled(f"{name} is withheld from viewers")
    if name in _PLAIN:
        if type(field.resolve) is not Attribute:
            raise NotCompiled(f"{name} has a resolver of its own")
        return _plain(field, *_PLAIN[name], columns)
    if name in _EXACT:
        return _exact(field, guarded, _EXACT[name], columns)
    if name in _HAVENS:
        return _haven(schema, field, node, _HAVENS[name], columns)
    if name in ("group", "vulnerable"):
        return _cells(schema, field, node, name, columns)
    made = {
        "peopleArrived": lambda: _withheld(field, guarded in SMALL_COUNTS, columns),
        "people": lambda: _people(field, columns),
        "voluntariness": lambda: _voluntariness(schema, field, node, columns),
        "risk": lambda: _risk(field, columns),
    }.get(name)
    if made is None:
        raise NotCompiled(name)
    return made()


def _plain(field: GraphQLField, column: str, transform: Process | None, columns: list[str]) -> Make:
    at = _at(column, columns)

    def make(processors: list[Process]) -> Read:
        output = leaf_output(field, transform, processors[at])
        if column in _UNIQUE:
            return lambda row, _page: output(row[at])
        memo, fill = remembered(output)

        def read(row: Sequence[Any], _page: _Page) -> Any:
            made = memo.get(value := row[at])
            return made if made is not None else fill(value)

        return read

    return make


def _exact(field: GraphQLField, key: str, column: str, columns: list[str]) -> Make:
    """An exact area: null for those the policy's owner gate refuses (REDACTED_FIELDS)."""
    at, receiving, origin = (_at(name, columns) for name in (column, "destination_state", "origin_country"))

    def make(processors: list[Process]) -> Read:
        output = leaf_output(field, None, processors[at])
        state, country = processors[receiving], processors[origin]

        def read(row: Sequence[Any], page: _Page) -> Any:
            if not page.may(key, state(row[receiving]), country(row[origin])):
                return None
            return output(row[at])

        return read

    return make


def _withheld(field: GraphQLField, withheld: bool, columns: list[str]) -> Make:
    """``peopleArrived``: for viewers, null when 1 to 4 (SMALL_COUNTS)."""
    at = _at("people_arrived", columns)

    def make(processors: list[Process]) -> Read:
        output, process = leaf_output(field), processors[at]
        if not withheld:
            return lambda row, _page: output(process(row[at]))
        return lambda row, page: output(disclose_count(page.role, process(row[at])))

    return make


def _group(
    column: str, columns: list[str], *, with_total: bool
) -> Callable[[list[Process]], Callable[[Sequence[Any], _Page], Suppressed[str]]]:
    """A row's counts as the role may see them (projections.disclosure), by the column's value."""
    at = _at(column, columns)

    def make(processors: list[Process]) -> Callable[[Sequence[Any], _Page], Suppressed[str]]:
        process = processors[at]
        memo: dict[tuple[Any, Any], Suppressed[str]] = {}

        def shown(row: Sequence[Any], page: _Page) -> Suppressed[str]:
            value = row[at]
            if type(value) is not str:  # decoded by the driver: not remembered
                return disclose(page.role, process(value), with_total=with_total)
            known = memo.get((page.role, value))
            if known is None:
                if len(memo) >= REMEMBERED:
                    memo.clear()
                known = memo[page.role, value] = disclose(page.role, process(value), with_total=with_total)
            return known

        return shown

    return make


def _people(field: GraphQLField, columns: list[str]) -> Make:
    """The group's size, as ``Movement.people`` discloses it."""
    group = _group("group_counts", columns, with_total=True)

    def make(processors: list[Process]) -> Read:
        output, shown = leaf_output(field), group(processors)
        return lambda row, page: output(shown(row, page).total)

    return make


def _cells(
    schema: GraphQLSchema, field: GraphQLField, node: FieldNode, name: str, columns: list[str]
) -> Make:
    """``group`` (every sex and age group) or ``vulnerable`` (those recorded), as their resolvers
    make them, completed as the compiled plan completes them; remembered by the role's view of the
    column's text, as no field of a cell is guarded (its completion needs no caller)."""
    _no_arguments(node)
    cell_type = schema.type_map.get("GroupCount" if name == "group" else "VulnerableCount")
    if not isinstance(cell_type, GraphQLObjectType) or any(
        f"{cell_type.name}.{each}" in GUARDED_FIELDS or f"{cell_type.name}.{each}" in SMALL_COUNTS
        for each in cell_type.fields
    ):
        raise NotCompiled(f"{name}: a cell's field is guarded")
    complete = completion(schema, field.type, node.selection_set)
    column = "group_counts" if name == "group" else "vulnerable"
    group = _group(column, columns, with_total=name == "group")
    at = _at(column, columns)
    if name == "group":
        keys = [(key, Sex(key.split(":")[0]), AgeGroup(key.split(":")[1])) for key in movements.GROUP_KEYS]

        def counts(shown: Suppressed[str]) -> list[Any]:
            cells = shown.cells
            return [GroupCount(sex=sex, age_group=age, people=cells.get(key, 0)) for key, sex, age in keys]

    else:

        def counts(shown: Suppressed[str]) -> list[Any]:
            return [
                VulnerableCount(group=movements.VulnerableGroup(k), people=n)
                for k, n in sorted(shown.cells.items())
            ]

    def make(processors: list[Process]) -> Read:
        shown = group(processors)
        memo: dict[tuple[Any, str], Any] = {}

        def read(row: Sequence[Any], page: _Page) -> Any:
            value = row[at]
            if type(value) is not str:  # decoded by the driver: not remembered
                return complete(counts(shown(row, page)), page.request)
            made = memo.get((page.role, value))
            if made is None:
                if len(memo) >= REMEMBERED:
                    memo.clear()
                made = memo[page.role, value] = complete(counts(shown(row, page)), page.request)
            return made

        return read

    return make


def _voluntariness(schema: GraphQLSchema, field: GraphQLField, node: FieldNode, columns: list[str]) -> Make:
    """Who confirmed the group chose to move, how and when: null unless all three are known."""
    _no_arguments(node)
    complete = completion(schema, field.type, node.selection_set)
    at = [_at(column, columns) for column in _VOLUNTARINESS]

    def make(processors: list[Process]) -> Read:
        reads = [(processors[i], i) for i in at]

        def read(row: Sequence[Any], page: _Page) -> Any:
            by, method, on = (process(row[i]) for process, i in reads)
            made = None
            if method and by and on:
                made = Voluntariness(
                    confirmed_by=by, method=movements.VoluntarinessMethod(method), confirmed_on=on
                )
            return complete(made, page.request)

        return read

    return make


def _risk(field: GraphQLField, columns: list[str]) -> Make:
    """The destination's risk from its state's open incidents (services.api.schema.risk)."""
    at = [
        _at(column, columns)
        for column in ("destination_state", "destination_admin_code", "destination_admin1")
    ]

    def make(processors: list[Process]) -> Read:
        output = leaf_output(field)
        state_of, code_of, admin1_of = (processors[i] for i in at)
        state_at, code_at, admin1_at = at

        def read(row: Sequence[Any], page: _Page) -> Any:
            state = codes.MemberState(state_of(row[state_at])).value
            code = code_of(row[code_at]) or admin1_of(row[admin1_at])
            made = page.risks.get((state, code))
            if made is None:
                made = page.risks[state, code] = output(security.risk_at(code, page.incidents[state]))
            return made

        return read

    return make


def _haven(
    schema: GraphQLSchema, field: GraphQLField, node: FieldNode, column: str, columns: list[str]
) -> Make:
    """A haven the page's loader read, completed as the compiled plan completes it."""
    _no_arguments(node)
    if any(each.name.value == "history" for each in fields_of(node.selection_set)):
        raise NotCompiled("a haven's history")  # read from the event store, awaited
    complete: Complete = completion(schema, field.type, node.selection_set)
    at = _at(column, columns)

    def make(_processors: list[Process]) -> Read:
        def read(row: Sequence[Any], page: _Page) -> Any:
            haven = row[at]
            return complete(None if haven is None else page.havens[haven], page.request)

        return read

    return make


def _no_arguments(node: FieldNode) -> None:
    if any(each.arguments for each in fields_of(node.selection_set)):
        raise NotCompiled("an argument below a movement")


def _at(column: str, columns: list[str]) -> int:
    """The column's index in the statement's rows (after the position)."""
    if column not in columns:
        columns.append(column)
    return columns.index(column) + 1
