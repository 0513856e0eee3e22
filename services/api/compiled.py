"""Named operations compiled once, on first use, into a plan from resolved objects to response bytes.

graphql-core completes a ``Requests(first: 100)`` page field by field: for each of its 1,500 fields
it looks the field up, decides how to complete it and builds a path (services.api
.graphql_core_internals already reads plain fields in place, and that remains a quarter of the
page's CPU). The document of a named operation is known before any request, so this is done once:
each selection becomes a closure that reads its value off the object and serialises it as the
schema's type does, and a request only runs the closures.

A root field may go further: one with a row plan (``ROW_PLAN`` in its extensions; the dashboard's
``requests`` and ``coverage``, services.api.schema.request_rows and .coverage; the movements pages'
``movementsConnection``, .movement_rows; the matches pages' ``matches``, .match_rows; the incident
pages' ``incidentsConnection``, .incident_rows; the projects page's, .project_rows) reads the
read model's rows itself for a selection it knows and makes the field's value from them, without
the resolver's objects or the closures below (those of a movement's havens and sex-and-age cells
aside); for any other selection it has no plan.

What is not compiled runs as it always did. Any other root field is still resolved by the schema's own
resolver (its access-policy gate, its arguments converted by strawberry, the read-model query the
resolver calls), with the resolve info graphql-core would give it. A field below the root is
compiled when it is read straight off its object (an ``Attribute`` or a ``Child`` of
services.api.strawberry_internals, or a plain attribute holding a list); any other resolver (the
policy's guarded and redacted fields, counts withheld from viewers, loaders) is called as
graphql-core calls it. A field whose resolver awaits (a loader's: a match's request and offer) is
completed once the rest of the answer is: the fields met that await are awaited together, as
graphql-core gathers them, so that each loader reads them in one batch, and each is completed in
its place (then those below it that await, in the next pass). Fragments on an object's own type
are compiled in their place (a row plan takes plain fields only); a document with directives,
abstract types or subscriptions is not compiled. Whatever the plan cannot answer exactly as
graphql-core would (an error, a null in a non-null field, a variable to refuse) makes ``run``
return ``None``, and the request takes the general path, which answers it with graphql-core's own
results and errors.
tests/integration/test_compiled_operations.py runs every named read operation both ways.

A mutation of one root field is compiled the same way (``run_mutation``): its root resolver (the
policy's gate, strawberry's conversion of the input, the command) runs once, and a field below it
that awaits (a read after the command, ``PostRequest``'s ``possibleDuplicates``) is awaited as a
query's are. The command cannot be run again, so where the plan
cannot answer (the resolver raised, a null in a non-null field) graphql-core executes the operation
with the root field's outcome replayed by a middleware: the answer, its errors and their paths are
graphql-core's. tests/integration/test_compiled_mutations.py sends the same commands both ways.

Written for graphql-core 3.3.2 (``graphql_core_internals.WRITTEN_FOR``): on an upgrade, compare
``Executor.build_resolve_info`` (the fields of ``GraphQLResolveInfo``, built here positionally),
``execute_field`` and ``complete_value``, then run that test. ``python -m bench --only reads``
measures the plan against the general path and a bare REST endpoint.

Over 300 lines on purpose: one compiler (a plan's closures and the fallbacks that keep it equal to
graphql-core), each part read against the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Path
from strawberry.execution.is_awaitable import optimized_is_awaitable

from services.api.graphql_core_internals import Attribute, Child
from services.api.loaded import Loaded
from services.api.strawberry_internals import enum_output, loaded_of, plain_getter

#: A compiled selection: (the source object, the request's info maker) to the completed value.
Complete = Callable[[Any, "Request"], Any]
#: A root field's plan that reads the read model itself: the request to the field's completed value.
RowPlan = Callable[["Request"], Awaitable[Any]]
#: The key of a root field's ``extensions`` that holds its row plan's maker, (schema, field, node) to
#: a ``RowPlan``, raising NotCompiled for a selection it does not answer.
ROW_PLAN = "concord-row-plan"


class Fallback(Exception):
    """The plan cannot answer this exactly as graphql-core would."""


_FRAGMENT_DEPTH = 10


class NotCompiled(Exception):
    """The document uses something the plan does not compile."""


def _gather(_values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    """Asynchronous work a resolver hands the executor: graphql-core's to manage, so its to run."""
    raise Fallback


def _track(_values: Sequence[Any]) -> None:
    raise Fallback


_HELPERS = GraphQLResolveInfoHelpers(_gather, _track)
#: Variables that do not coerce (graphql-core's errors): the general path answers with them.
_INVALID: Any = object()


class Scope(NamedTuple):
    """What compiling a document needs besides its selections."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]


class Pending:
    """A field below the root whose resolver awaits (a loader, a read after a command): its value
    is awaited, with the others met in the same pass, once the rest of the answer is complete,
    and completed into ``slot``, the object's dict and the field's response key."""

    __slots__ = ("awaitable", "complete", "slot")

    def __init__(self, awaitable: Any, complete: Complete) -> None:
        self.awaitable = awaitable
        self.complete = complete
        self.slot: tuple[dict[str, Any], str] | None = None


class Request:
    """What the resolvers of one request see: graphql-core's resolve info, built as it builds it.

    ``pending``: the fields below the root that await, in the order met, not yet awaited."""

    __slots__ = ("context", "fragments", "operation", "pending", "schema", "variables")

    def __init__(
        self,
        scope: Scope,
        operation: OperationDefinitionNode,
        variables: Any,
        context: Any,
    ):
        self.schema = scope.schema
        self.fragments = scope.fragments
        self.operation = operation
        self.variables = variables
        self.context = context
        self.pending: list[Pending] = []

    def info(
        self, field: GraphQLField, node: FieldNode, parent: GraphQLObjectType, key: str
    ) -> GraphQLResolveInfo[Any]:
        return GraphQLResolveInfo(
            node.name.value,
            [node],
            field.type,
            parent,
            Path(None, key, parent.name),
            self.schema,
            self.fragments,
            None,
            self.operation,
            self.variables,
            self.context,
            optimized_is_awaitable,  # type: ignore[arg-type]
            None,
            _HELPERS,
        )


class CompiledOperation:
    """One named operation, a query or a mutation of one root field, its selections compiled.

    ``executor``: the schema's executor class, which replays a mutation whose payload the plan
    cannot complete (see ``run_mutation``)."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, executor: type[Any] | None = None
    ) -> None:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1:
            raise NotCompiled("one operation")
        operation = operations[0]
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        if len(fragments) + 1 != len(document.definitions):
            raise NotCompiled("operations and fragments only")
        if operation.operation is OperationType.QUERY and schema.query_type is not None:
            root = schema.query_type
        elif operation.operation is OperationType.MUTATION and schema.mutation_type is not None:
            root = schema.mutation_type
            if len(operation.selection_set.selections) != 1:
                raise NotCompiled("a mutation of one root field")
        else:
            raise NotCompiled("a query or a mutation")
        self.name = operation.name.value if operation.name else None
        self.mutation = operation.operation is OperationType.MUTATION
        self._schema = schema
        self._scope = Scope(schema, fragments)
        self._document = document
        self._operation = operation
        self._executor = executor
        self._roots = _root_fields(self._scope, root, operation.selection_set)
        self._no_variables: Any = None
        if self.mutation and len(self._roots) != 1:
            raise NotCompiled("a mutation of one root field")

    def _coerced(self, variables: dict[str, Any] | None) -> Any:
        if not variables:
            # The same for every request that sends none (the dashboard's Coverage): coerced once.
            if self._no_variables is None:
                self._no_variables = self._coerce({})
            return None if self._no_variables is _INVALID else self._no_variables
        coerced = self._coerce(variables)
        return None if coerced is _INVALID else coerced

    def _coerce(self, variables: dict[str, Any]) -> Any:
        coerced = get_variable_values(self._schema, self._operation.variable_definitions or (), variables)
        return _INVALID if isinstance(coerced, list) else coerced

    async def run(self, context: Any, variables: dict[str, Any] | None) -> dict[str, Any] | None:
        """A query's ``data``, or None where the general path must answer."""
        coerced = self._coerced(variables)
        if coerced is None or self.mutation:
            return None
        request = Request(self._scope, self._operation, coerced, context)
        data: dict[str, Any] = {}
        try:
            for key, field, node, parent, complete, rows in self._roots:
                if rows is not None:
                    data[key] = await rows(request)
                    continue
                info = request.info(field, node, parent, key)
                args = get_argument_values(field, node, coerced) if field.args or node.arguments else {}
                value = field.resolve(None, info, **args)  # type: ignore[misc]
                if optimized_is_awaitable(value):
                    value = await value
                data[key] = complete(value, request)
            await _settle(request)
        except Exception:  # Fallback, or what graphql-core reports as a field error
            _close(request)
            return None
        return data

    async def run_mutation(self, context: Any, variables: dict[str, Any] | None) -> ExecutionResult | None:
        """A mutation's result, or None (before anything ran) where the general path must answer.

        The root field's resolver (the access policy's gate, strawberry's conversion of the input,
        the command) runs once. When it raises, or the plan cannot complete its payload exactly as
        graphql-core would, graphql-core executes the operation with that root field's outcome
        replayed rather than resolved again: its errors, with their paths and locations, and its
        nulls are then its own, and the command is not run twice.
        """
        coerced = self._coerced(variables)
        if coerced is None or not self.mutation:
            return None
        ((key, field, node, parent, complete, _rows),) = self._roots
        request = Request(self._scope, self._operation, coerced, context)
        try:
            info = request.info(field, node, parent, key)
            args = get_argument_values(field, node, coerced) if field.args or node.arguments else {}
            value = field.resolve(None, info, **args)  # type: ignore[misc]
            if optimized_is_awaitable(value):
                value = await value
        except Exception as error:  # graphql-core's to report, as a field error
            return await self._replay(context, variables, _Raise(error))
        try:
            data = {key: complete(value, request)}
            await _settle(request)
        except Exception:
            _close(request)
            return await self._replay(context, variables, value)
        return ExecutionResult(data)

    async def _replay(self, context: Any, variables: dict[str, Any] | None, outcome: Any) -> ExecutionResult:
        def replayed(
            resolve: Callable[..., Any], source: Any, info: GraphQLResolveInfo[Any], **args: Any
        ) -> Any:
            if info.path.prev is not None:
                return resolve(source, info, **args)
            if isinstance(outcome, _Raise):
                raise outcome.error
            return outcome

        result = execute(
            self._schema,
            self._document,
            None,
            context,
            variables,
            self.name,
            middleware=[replayed],
            executor_class=self._executor,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if isinstance(result, ExecutionResult):
            return result
        return await result


class _Raise(NamedTuple):
    error: Exception


async def _settle(request: Request) -> None:
    """Await the answer's pending fields together, as graphql-core gathers a page's (so that a
    loader reads them in one batch), complete each in its place, then the fields that awaits in
    turn; an error, graphql-core's to report, falls back once every field of the pass has ended."""
    while request.pending:
        awaited = request.pending
        request.pending = []
        values = await _together([each.awaitable for each in awaited])
        for value in values:
            if isinstance(value, BaseException):
                raise Fallback from value  # graphql-core's to report, on the general path
        for each, value in zip(awaited, values, strict=True):
            if each.slot is None:
                raise Fallback  # not in an object's dict: not met by this plan
            into, key = each.slot
            into[key] = each.complete(value, request)


async def _together(awaitables: list[Any]) -> list[Any]:
    """Each awaitable's outcome, its value or what it raised, as ``asyncio.gather(...,
    return_exceptions=True)`` gives them, without a task for each.

    Each is stepped here until it waits on a future of the loop, and stepped again once that
    future is done, as a task steps its coroutine (the ``_asyncio_future_blocking`` protocol of
    ``asyncio.Future.__await__``). A page of a hundred matches awaits three hundred loader fields:
    a task each cost half the page's CPU. The loaders still read each pass in one batch: every
    field has asked its loader before the loop runs the loaders' dispatch. Those resumed are the
    ones whose future is done, whichever they are, so one waiting on another (a lock) is not held
    up; each future is watched by one callback, not once per wait. What is not finished when this
    is cancelled is closed."""
    stepping = _Stepping(len(awaitables))
    try:
        for at, awaitable in enumerate(awaitables):
            stepping.step(at, awaitable.__await__())
        while stepping.waiting or stepping.again:
            await stepping.turn()
            stepping.resume()
    finally:
        stepping.close()
    return stepping.outcomes


class _Stepping:
    """``_together``'s awaitables: each one's outcome once it has one, and where the others wait."""

    __slots__ = ("again", "done", "outcomes", "waiting", "wake")

    def __init__(self, count: int) -> None:
        self.outcomes: list[Any] = [None] * count
        #: Each future awaited, and the awaitables (by index) that wait on it.
        self.waiting: dict[asyncio.Future[Any], list[tuple[int, Any]]] = {}
        #: Those that yielded to the loop without a future (``asyncio.sleep(0)``).
        self.again: list[tuple[int, Any]] = []
        #: The futures awaited that are done since the last turn.
        self.done: list[asyncio.Future[Any]] = []
        self.wake: asyncio.Future[None] | None = None

    def step(self, at: int, steps: Any) -> None:
        try:
            yielded = steps.send(None)
        except StopIteration as stop:
            self.outcomes[at] = stop.value
            return
        except BaseException as error:  # an outcome, as gather returns it
            self.outcomes[at] = error
            return
        if getattr(yielded, "_asyncio_future_blocking", None):
            yielded._asyncio_future_blocking = False  # noqa: SLF001 (what a task does with it)
            parked = self.waiting.get(yielded)
            if parked is None:
                parked = self.waiting[yielded] = []
                yielded.add_done_callback(self._finished)
            parked.append((at, steps))
        elif yielded is None:
            self.again.append((at, steps))
        else:
            steps.close()
            self.outcomes[at] = RuntimeError(f"awaited {yielded!r}, which is not a future")

    def _finished(self, future: asyncio.Future[Any]) -> None:
        self.done.append(future)
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)

    async def turn(self) -> None:
        """Until a future awaited is done, or for one turn of the loop if some only yielded."""
        if self.done:
            return
        if self.again:
            await asyncio.sleep(0)
            return
        self.wake = asyncio.get_running_loop().create_future()
        try:
            await self.wake
        finally:
            self.wake = None

    def resume(self) -> None:
        """Step again, in their order, those whose future is done and those that only yielded."""
        resumed = sorted([*self.again, *(each for future in self.done for each in self.waiting.pop(future))])
        self.again.clear()
        self.done.clear()
        for at, steps in resumed:
            self.step(at, steps)

    def close(self) -> None:
        for future, parked in self.waiting.items():
            future.remove_done_callback(self._finished)
            for _at, unfinished in parked:
                unfinished.close()
        for _at, unfinished in self.again:
            unfinished.close()


def _close(request: Request) -> None:
    """Close the coroutines the plan will not await (graphql-core resolves those fields again)."""
    for pending in request.pending:
        close = getattr(pending.awaitable, "close", None)
        if close is not None:
            close()
    request.pending.clear()


def _placed(into: dict[str, Any]) -> None:
    """Tell the fields of ``into`` that await where their values go."""
    for key, value in into.items():
        if type(value) is Pending:
            value.slot = (into, key)


def _root_fields(
    scope: Scope, root: GraphQLObjectType, selections: SelectionSetNode
) -> list[tuple[str, GraphQLField, FieldNode, GraphQLObjectType, Complete, RowPlan | None]]:
    compiled = []
    for node in _fields_of(scope, root, selections):
        field = root.fields.get(node.name.value)
        if field is None or field.resolve is None:
            raise NotCompiled(node.name.value)
        key = node.alias.value if node.alias else node.name.value
        complete = _completion(scope, field.type, node.selection_set)
        compiled.append((key, field, node, root, complete, _row_plan(scope.schema, field, node)))
    return compiled


def _row_plan(schema: GraphQLSchema, field: GraphQLField, node: FieldNode) -> RowPlan | None:
    """The root field's row plan for this selection, if it has one that answers it."""
    make = (field.extensions or {}).get(ROW_PLAN)
    if make is None:
        return None
    try:
        plan: RowPlan = make(schema, field, node)
    except NotCompiled:
        return None
    return plan


def fields_of(selections: SelectionSetNode | None) -> list[FieldNode]:
    """The selection's fields, for a row plan: plain fields only, each response key once."""
    if selections is None:
        raise NotCompiled("an object needs a selection")
    fields: list[FieldNode] = []
    keys: set[str] = set()
    for selection in selections.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise NotCompiled("fragments and directives")
        key = selection.alias.value if selection.alias else selection.name.value
        if key in keys:
            raise NotCompiled("a response key twice")
        keys.add(key)
        fields.append(selection)
    return fields


def _fields_of(
    scope: Scope, of_type: GraphQLObjectType, selections: SelectionSetNode | None
) -> list[FieldNode]:
    """The selection's fields, each response key once: plain fields, and those of fragments on
    the object's own type (spread or inline, without directives) in their place."""
    if selections is None:
        raise NotCompiled("an object needs a selection")
    fields: list[FieldNode] = []
    keys: set[str] = set()

    def take(selections: SelectionSetNode, depth: int) -> None:
        for selection in selections.selections:
            if selection.directives or depth > _FRAGMENT_DEPTH:
                raise NotCompiled("directives")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                if key in keys:
                    raise NotCompiled("a response key twice")
                keys.add(key)
                fields.append(selection)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = scope.fragments.get(selection.name.value)
                if fragment is None:
                    raise NotCompiled(f"the fragment {selection.name.value}")
                condition: NamedTypeNode | None = fragment.type_condition
                inner = fragment.selection_set
            elif isinstance(selection, InlineFragmentNode):
                condition, inner = selection.type_condition, selection.selection_set
            else:
                raise NotCompiled("a selection of another kind")
            if condition is not None and condition.name.value != of_type.name:
                raise NotCompiled("a fragment on another type")
            take(inner, depth + 1)

    take(selections, 0)
    return fields


def completion(
    schema: GraphQLSchema, of_type: GraphQLOutputType, selections: SelectionSetNode | None
) -> Complete:
    """A value's completion as this plan completes a field below the root (fragments aside): for a
    row plan's objects that its rows do not make themselves (a movement's havens, say)."""
    return _completion(Scope(schema, {}), of_type, selections)


def _completion(scope: Scope, of_type: GraphQLOutputType, selections: SelectionSetNode | None) -> Complete:
    """The value's completion as graphql-core's ``complete_value`` does it, decided now."""
    if isinstance(of_type, GraphQLNonNull):
        inner = _completion(scope, of_type.of_type, selections)

        def non_null(value: Any, request: Request) -> Any:
            if value is None:
                raise Fallback
            return inner(value, request)

        return non_null
    if isinstance(of_type, GraphQLList):
        item = _completion(scope, of_type.of_type, selections)

        def listed(value: Any, request: Request) -> Any:
            if value is None:
                return None
            if isinstance(value, (str, bytes, dict)):
                raise Fallback
            return [item(each, request) for each in value]

        return listed
    if isinstance(of_type, (GraphQLScalarType, GraphQLEnumType)):
        serialise = (
            enum_output(of_type) if isinstance(of_type, GraphQLEnumType) else of_type.coerce_output_value
        )
        return lambda value, _request: None if value is None else _leaf(serialise(value))
    if isinstance(of_type, GraphQLObjectType) and of_type.is_type_of is None:
        return _object(scope, of_type, selections)
    raise NotCompiled(f"the type {of_type}")


def _leaf(value: Any) -> Any:
    if value is None:  # graphql-core refuses a leaf that serialises to null
        raise Fallback
    return value


def _object(scope: Scope, object_type: GraphQLObjectType, selections: SelectionSetNode | None) -> Complete:
    reads: list[tuple[str, Callable[[Any, Request], Any], Attribute | None]] = []
    for node in _fields_of(scope, object_type, selections):
        key = node.alias.value if node.alias else node.name.value
        if node.name.value == "__typename":
            reads.append((key, _typename(object_type.name), None))
            continue
        field = object_type.fields.get(node.name.value)
        if field is None:
            raise NotCompiled(node.name.value)
        read = _read(scope, object_type, field, node, key)
        attribute = field.resolve if type(field.resolve) is Attribute and not node.arguments else None
        reads.append((key, read, attribute))
    return _generated(object_type.name, reads)


def _generated(
    name: str, reads: list[tuple[str, Callable[[Any, Request], Any], Attribute | None]]
) -> Complete:
    """The object's completion as one function with a dict display: no call per plain field.

    A plain field is read inline: a string as itself, another value serialised, and a null (or a
    value that serialises to null) read again by the field's own closure, which answers null or
    falls back as graphql-core would.
    """
    namespace: dict[str, Any] = {"__builtins__": {"str": str, "len": len, "id": id}, "placed": _placed}
    entries, checked = [], []
    for i, (key, read, attribute) in enumerate(reads):
        namespace[f"r{i}"] = read
        if attribute is None:
            entries.append(f"{key!r}: r{i}(source, request)")
            continue
        namespace[f"g{i}"], namespace[f"s{i}"] = attribute.get, attribute.serialise
        names = getattr(attribute.serialise, "names", None)
        if attribute.same is str:
            entries.append(f"{key!r}: (v if (v := g{i}(source)).__class__ is str else r{i}(source, request))")
        elif names is not None:  # an enum: its member's name, as strawberry_internals._enum_names gives it
            namespace[f"e{i}"], namespace[f"n{i}"] = getattr(attribute.serialise, "enum", None), names
            entries.append(
                f"{key!r}: (n if (v := g{i}(source)).__class__ is e{i} and (n := n{i}.get(id(v))) is not None"
                f" else r{i}(source, request))"
            )
        else:
            entries.append(
                f"{key!r}: (s{i}(v) if (v := g{i}(source)) is not None else r{i}(source, request))"
            )
            checked.append((key, read))
    namespace["checked"] = tuple(checked)
    # A field read by its own resolver may await: its Pending is told its place in the dict.
    awaits = any(attribute is None for _key, _read, attribute in reads)
    lines = [
        "def completed(source, request):",
        "    if source is None:",
        "        return None",
        *(["    pending = len(request.pending)"] if awaits else []),
        "    d = {" + ", ".join(entries) + "}",
    ]
    if checked:
        lines += [
            "    if None in d.values():",
            "        for key, read in checked:",
            "            if d[key] is None:",
            "                d[key] = read(source, request)",
        ]
    if awaits:
        lines += ["    if len(request.pending) != pending:", "        placed(d)"]
    lines.append("    return d")
    exec(compile("\n".join(lines), f"<compiled {name}>", "exec"), namespace)  # noqa: S102 (made of the schema's names)
    completed: Complete = namespace["completed"]
    return completed


def _typename(name: str) -> Callable[[Any, Request], Any]:
    return lambda _source, _request: name


def _read(
    scope: Scope, parent: GraphQLObjectType, field: GraphQLField, node: FieldNode, key: str
) -> Callable[[Any, Request], Any]:
    """How one field's value is read off its object and completed."""
    resolve = field.resolve
    complete = _completion(scope, field.type, node.selection_set)
    if type(resolve) is Attribute and not node.arguments:
        return _attribute(resolve, complete)
    if type(resolve) is Child and not node.arguments:
        get = resolve.get
        return lambda source, request: complete(get(source), request)
    getter = plain_getter(field)
    if getter is not None and not node.arguments:
        return lambda source, request: complete(getter(source), request)
    loaded = loaded_of(field)
    if loaded is not None and not node.arguments:
        return _loaded(loaded, complete)
    if resolve is None:
        raise NotCompiled(field.ast_node.name.value if field.ast_node else key)
    return _resolved(resolve, field, node, parent, key, complete)


def _attribute(attribute: Attribute, complete: Complete) -> Callable[[Any, Request], Any]:
    get, same, serialise, non_null = attribute.get, attribute.same, attribute.serialise, attribute.non_null

    def read(source: Any, request: Request) -> Any:
        value = get(source)
        if type(value) is same:
            return value
        if value is None:
            if non_null:
                raise Fallback
            return None
        coerced = serialise(value)
        if coerced is None:
            raise Fallback
        return coerced

    return read


def _loaded(loaded: Loaded, complete: Complete) -> Callable[[Any, Request], Any]:
    """A field that is a row of another read model (services.api.loaded): the loader's future of
    it, awaited with the others of the page, and the object its resolver would make of the row
    completed; without the resolver's call, its info or a coroutine."""

    def made(row: Any, request: Request) -> Any:
        return complete(loaded.made(row), request)

    def read(source: Any, request: Request) -> Any:
        loading = loaded.load(source, request.context.loaders)
        if loading is None:
            return complete(None, request)
        pending = Pending(loading, made)
        request.pending.append(pending)
        return pending

    return read


def _resolved(
    resolve: Callable[..., Any],
    field: GraphQLField,
    node: FieldNode,
    parent: GraphQLObjectType,
    key: str,
    complete: Complete,
) -> Callable[[Any, Request], Any]:
    """A field with a resolver of its own (a policy gate, say): called as graphql-core calls it."""

    def read(source: Any, request: Request) -> Any:
        args = get_argument_values(field, node, request.variables) if field.args or node.arguments else {}
        value = resolve(source, request.info(field, node, parent, key), **args)
        if optimized_is_awaitable(value):
            pending = Pending(value, complete)
            request.pending.append(pending)
            return pending
        return complete(value, request)

    return read
