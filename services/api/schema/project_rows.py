"""The ``projects`` connection of a named operation, answered from the read models' rows.

The dashboard's Projects page: a statement per shape of filter, prepared on first use
(projections.prepared), reads the page's projects (the columns the selection names) and its count
in one round trip; then, for the page's ids, one statement each for what the selection asks of
them: their milestones, their results, and the pledges and fund allocations that make their
funding (summed as the general path sums them, ``project_queries.funding_of``); their implementing
organisations come through the request's loader in one batch (the field's ``LoadedMany``). Each
row goes straight to its dict, without the resolver's objects (``Project.from_row`` and its
milestones, results and funding) or the completion of each field. Each value is made as
``from_row`` makes it (project_types' ``ROW_FIELDS`` tables) and serialised by its field's own
GraphQL type.

A selection it does not know (a field with a resolver of its own but these, a guarded field, an
argument below the root, a fragment) is not planned here: services.api.compiled's plan answers it.
The root's access policy is applied as its gate applies it, and the arguments are converted and
checked as the resolver does; anything it refuses (or a value the schema would not serialise)
makes the request take the general path, which answers with its errors.
tests/integration/test_compiled_operations.py compares both paths.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any
from uuid import UUID

from graphql import FieldNode, GraphQLField, GraphQLSchema
from graphql.execution.values import get_argument_values
from sqlalchemy.ext.asyncio import AsyncConnection

from projections.organisations.tables import organisations as organisation_table
from projections.prepared import Prepared
from projections.projects import queries as project_queries
from projections.projects.tables import project_milestones, project_results, projects
from services.api.compiled import NotCompiled, Request
from services.api.graphql_core_internals import Attribute, Child
from services.api.row_plans import (
    Connection,
    Make,
    Process,
    Read,
    Shape,
    Statements,
    column_at,
    compiled_arguments,
    leaf_output,
    made_for,
    object_maker,
    object_spec,
    processed,
    selected,
)
from services.api.schema import organisations, project_types
from services.api.schema.paging import check_first, decode_cursor, encode_cursor
from services.api.schema.policy import root_gate
from services.api.schema.projects import project_filter
from services.api.strawberry_internals import many_loaded_of, plain_getter

_PROJECT = Shape(
    "Project",
    projects,
    project_types.ROW_FIELDS,
    computed=project_types.ROW_COMPUTED,
    inline={"budget": Shape("Money", projects, project_types.BUDGET_ROW_FIELDS)},
)
_MILESTONE = Shape("Milestone", project_milestones, project_types.MILESTONE_ROW_FIELDS)
_RESULT = Shape(
    "ProjectResult",
    project_results,
    project_types.RESULT_ROW_FIELDS,
    computed=project_types.RESULT_ROW_COMPUTED,
)
_ORGANISATION = Shape("Organisation", organisation_table, organisations.ROW_FIELDS)
#: A project's lists read by statements of their own: (their shape, the statement of their rows).
_LISTS: dict[str, tuple[Shape, Callable[[Sequence[Any], Sequence[Any]], Any]]] = {
    "milestones": (_MILESTONE, project_queries.milestones_of),
    "results": (_RESULT, project_queries.results_of),
}
_EMPTY = project_queries.Funding()


class _Page:
    """What the page's projects share: their lists' dicts, their funding and their implementing
    organisations' dicts, by the project's id as the driver gives it (each by the organisation's
    id as text)."""

    __slots__ = ("funding", "lists", "organisations")

    def __init__(self) -> None:
        self.lists: dict[str, dict[Any, list[Any]]] = {}
        self.funding: dict[Any, project_queries.Funding] = {}
        self.organisations: dict[str, Any] = {}


class _List:
    """A list of a project read by a statement of its own (milestones, results): each of its rows
    the project's id first, then the columns its selection names."""

    def __init__(self, schema: GraphQLSchema, name: str, node: FieldNode) -> None:
        shape, self._statement = _LISTS[name]
        self.name = name
        self.columns: list[Any] = []
        self.spec = object_spec(schema, shape, node, self.columns)
        self._owner = shape.table.c.project_id
        self._statements = Statements()
        self._makers: dict[str, Read] = {}

    async def read(self, connection: AsyncConnection, size: int, values: dict[str, Any], page: _Page) -> None:
        dialect = connection.dialect
        prepared = self._statements.get(
            (dialect.name, size),
            dialect,
            lambda: self._statement(project_queries.ids_parameters(size), [self._owner, *self.columns]),
        )
        rows = await prepared.run(connection, values)
        make = self._makers.get(dialect.name)
        if make is None:
            make = self._makers[dialect.name] = object_maker(
                self.spec, [processed(process) for process in prepared.processors()]
            )
        listed: dict[Any, list[Any]] = defaultdict(list)
        for row in rows:
            listed[row[0]].append(make(row, page))
        page.lists[self.name] = listed


class ProjectsPlan:
    """``projects(...)`` with a selection of the fields above and its edges."""

    def __init__(self, schema: GraphQLSchema, field: GraphQLField, node: FieldNode) -> None:
        #: The gate of the root field this plan answers for, the one its resolver is guarded by.
        self._gate = root_gate("query", node.name.value)
        self._field, self._node, self._arguments = field, node, compiled_arguments(field)
        self._page = Connection(field, node)
        self._schema = schema
        #: The columns the page's statement reads after the position (of ``projects``): the id
        #: first, which the page's other statements read by.
        self._columns: list[Any] = []
        self._id = column_at(projects.c.id, self._columns)
        self._lists: list[_List] = []
        self._funding = False
        #: The implementing organisations' maker and the columns it reads (the loader's rows hold
        #: the values SQLAlchemy reads), if they are asked for, and where the implementers' ids
        #: are in the page's rows.
        self._organisations: tuple[Read, list[Any]] | None = None
        self._implementers = 0
        nodes = self._page.node
        self._spec = (
            object_spec(schema, _PROJECT, nodes, self._columns, self._other) if nodes is not None else None
        )
        self._statements = Statements()
        self._money = Statements()
        self._makers: dict[str, tuple[Read, list[Process]]] = {}

    def _other(self, shape: Shape, field: GraphQLField, node: FieldNode, columns: list[Any]) -> Make | None:
        """A project's fields of other read models: its lists, its funding and its implementers."""
        if shape is not _PROJECT:
            return None
        name = node.name.value
        if name in _LISTS:
            if plain_getter(field) is None:
                raise NotCompiled(f"{name} is resolved otherwise")
            self._lists.append(_List(self._schema, name, node))
            return _listed(name, self._id)
        if name == "funding":
            if type(field.resolve) is not Child:
                raise NotCompiled("funding is resolved otherwise")
            self._funding = True
            return _funding(self._schema, node, self._id, column_at(projects.c.usd_budget, columns))
        if name == "implementingOrganisations":
            if many_loaded_of(field) is not project_types.IMPLEMENTERS:
                raise NotCompiled("implementingOrganisations is resolved otherwise")
            read: list[Any] = []
            spec = object_spec(self._schema, _ORGANISATION, node, read)
            self._organisations = (object_maker(spec, [processed(None)] * (len(read) + 1)), read)
            self._implementers = column_at(projects.c.implementers, columns)
            return _implementers(self._implementers)
        return None

    async def __call__(self, request: Request) -> Any:
        context = request.context
        self._gate(context.principal)
        kwargs = self._arguments(get_argument_values(self._field, self._node, request.variables), None)
        first: int = kwargs.get("first", 20)
        after: str | None = kwargs.get("after")
        check_first(first)
        where = project_filter(kwargs.get("filter"))
        seen = decode_cursor(after) if after else None
        engine = context.runtime.query_engine
        values = project_queries.page_values(where, first=first, after=seen)
        shape = project_queries.page_shape(where)

        def statement(rows: bool) -> Prepared:
            return self._statements.get(
                (engine.dialect.name, shape, seen is not None, rows),
                engine.dialect,
                lambda: project_queries.page_statement(
                    shape, self._columns, after=seen is not None, rows=rows
                ),
            )

        rows, has_next, total, page = await self._page.read(engine, values, first, statement)
        cursors = [encode_cursor(row[0]) for row in rows]
        nodes: list[Any] = []
        if self._spec is not None and page is not None and rows:
            make_node, processors = self._maker(page)
            shared = _Page()
            await self._parts(engine, rows, processors, shared)
            if self._organisations is not None:
                await self._read_organisations(context.loaders, rows, processors, shared)
            nodes = [make_node(row, shared) for row in rows]
        return self._page.value(total, has_next, after, cursors, nodes)

    async def _parts(self, engine: Any, rows: list[Any], processors: list[Process], page: _Page) -> None:
        """The page's lists and funding, each read by the page's ids, on one connection."""
        if not self._lists and not self._funding:
            return
        id_of = processors[self._id]
        size, values = project_queries.ids_values([id_of(row[self._id]) for row in rows])
        async with engine.connect() as connection:
            for listed in self._lists:
                await listed.read(connection, size, values, page)
            if self._funding:
                page.funding = await self._read_funding(connection, size, values)

    async def _read_funding(
        self, connection: AsyncConnection, size: int, values: dict[str, Any]
    ) -> dict[Any, project_queries.Funding]:
        """Each project's funding as ``funding_of`` sums it, by its id as the driver gives it."""
        dialect = connection.dialect
        read = []
        for kind in ("pledged", "allocated"):
            prepared = self._money.get((dialect.name, kind, size), dialect, partial(_money, kind, size))
            rows = await prepared.run(connection, values)
            convert = prepared.memoised_processors()[1:]  # amounts repeat across pages
            read.append([(row[0], *(c(v) for c, v in zip(convert, row[1:], strict=True))) for row in rows])
        pledged, allocated = read
        return project_queries.funding_of(pledged, allocated)

    async def _read_organisations(
        self, loaders: Any, rows: list[Any], processors: list[Process], page: _Page
    ) -> None:
        """The page's implementing organisations, in one batch of the loader, each made once."""
        assert self._organisations is not None
        make, columns = self._organisations
        at, of = self._implementers, processors[self._implementers]
        ids = list(dict.fromkeys(i for row in rows for i in project_types.implementer_ids(of(row[at]))))
        found = await loaders.organisation.load_many([UUID(i) for i in ids])
        for i, row in zip(ids, found, strict=True):
            if row is not None:
                page.organisations[i] = make([None, *(getattr(row, c.name) for c in columns)], page)

    def _maker(self, page: Prepared) -> tuple[Read, list[Process]]:
        """The node's maker for this dialect, built once its statement's processors are known."""
        assert self._spec is not None
        return made_for(self._spec, self._makers, page)


def _money(kind: str, size: int) -> Any:
    parameters = project_queries.ids_parameters(size)
    if kind == "pledged":
        return project_queries.pledged_to(parameters)
    return project_queries.allocated_to(parameters)


def _listed(name: str, id_at: int) -> Make:
    """A project's milestones or results, read before the page's nodes are made."""
    return lambda _processors: lambda row, page: page.lists[name].get(row[id_at], [])


def _funding(schema: GraphQLSchema, node: FieldNode, id_at: int, budget_at: int) -> Make:
    """``Project.funding``: the page's sums for the project, and its gap against its budget."""
    reads: list[tuple[str, _FundingRead]] = []
    for name, key, field, _node in selected(schema, "ProjectFunding", node):
        if field is None:
            reads.append((key, lambda _funding, _budget: "ProjectFunding"))
        elif type(field.resolve) is not Attribute:
            raise NotCompiled(f"ProjectFunding.{name} has a resolver of its own")
        elif name == "gap":
            reads.append((key, _gap(leaf_output(field))))
        elif name in project_types.FUNDING_FIELDS:
            reads.append((key, _sum(leaf_output(field), project_types.FUNDING_FIELDS[name])))
        else:
            raise NotCompiled(f"ProjectFunding.{name}")

    def make(processors: list[Process]) -> Read:
        budget_of = processors[budget_at]

        def read(row: Sequence[Any], page: _Page) -> Any:
            funding = page.funding.get(row[id_at], _EMPTY)
            return {key: each(funding, lambda: budget_of(row[budget_at])) for key, each in reads}

        return read

    return make


#: One field of a project's funding: its sums, and its budget's value (made if asked), to the field.
_FundingRead = Callable[[project_queries.Funding, Callable[[], Any]], Any]


def _gap(output: Process) -> _FundingRead:
    return lambda funding, budget: output(project_types.funding_gap(budget(), funding))


def _sum(output: Process, attribute: str) -> _FundingRead:
    return lambda funding, _budget: output(getattr(funding, attribute))


def _implementers(at: int) -> Make:
    """``Project.implementingOrganisations``: those of its ids the loader found, in its order."""

    def make(processors: list[Process]) -> Read:
        of = processors[at]

        def read(row: Sequence[Any], page: _Page) -> Any:
            found = page.organisations
            return [found[i] for i in project_types.implementer_ids(of(row[at])) if i in found]

        return read

    return make
