"""Any object's history, from the event store: each event as the change it made to the object as
the caller may see it, and the object as it stood at a moment.

A change is the object's GraphQL view before and after the event, compared field by field, so the
history shows what the live object shows and withholds what it withholds: its need-to-know fields
(``services.identity.policy.GUARDED_FIELDS``) and small counts (``SMALL_COUNTS``) by the same rules.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from strawberry.types.base import get_object_definition, has_object_definition
from strawberry.types.private import is_private

from domain.access import Actor as ActorRecord
from projections.disclosure import disclose_count
from services.api.problems import BadInput
from services.api.schema.context import Info
from services.api.schema.history_types import Actor, Change, ChangeConnection, ChangeEdge, FieldChange
from services.api.schema.paging import check_first, decode_cursor, encode_cursor, page_info
from services.api.schema.policy import owners_of
from services.identity.access import Owner, Principal, may
from services.identity.policy import GUARDED_FIELDS, SMALL_COUNTS

if TYPE_CHECKING:
    from services.coordination import Concord

A = TypeVar("A", bound=Aggregate)
V = TypeVar("V")

#: Fields every change would list and no reader needs: the object's id and its bookkeeping.
_BOOKKEEPING = frozenset({"id", "version", "updated_at"})
#: The description of an object's ``history`` field.
HISTORY = (
    "Every change, oldest first, a page at a time, from the event store (the cursor is the "
    "object's version): what changed as you may see the object now, and who changed it for the "
    "object's own state or organisation and the secretariat."
)
#: What names an element of a list of objects (a milestone by its title), else its place in the list.
_NAMED_BY = ("title", "indicator", "year")


@dataclass(frozen=True)
class History(Generic[A, V]):
    """How one kind of aggregate reads as a history: the GraphQL view its live object resolves to,
    and whose it is (who may see who made each change, beside the secretariat)."""

    aggregate: type[A]
    name: str  # as NOT_FOUND names it
    view: Callable[[A], V]
    owners: Callable[[Concord, A], list[Owner]] = lambda _concord, _aggregate: []
    #: view fields that are not the aggregate's own (read from elsewhere), left out of its changes
    leave_out: frozenset[str] = frozenset()
    #: fields its view derives in resolvers from private state, as the caller may see them
    derived: Callable[[V, Principal], dict[str, Any]] = lambda _view, _principal: {}

    def describe(self, aggregate: A, principal: Principal) -> dict[str, str | None]:
        view = self.view(aggregate)
        shown = visible(view, principal, leave_out=self.leave_out)
        for name, value in self.derived(view, principal).items():
            _flatten(name, value, principal, shown)
        return shown


def visible(view: Any, principal: Principal, *, leave_out: Iterable[str] = ()) -> dict[str, str | None]:
    """A view's own fields as text, by their GraphQL names, as the live object resolves them for
    ``principal``. Resolvers are left out: they derive from these fields or read elsewhere, now."""
    definition = get_object_definition(view, strict=True)
    owners = owners_of(view)
    skipped = _BOOKKEEPING | set(leave_out)
    shown: dict[str, str | None] = {}
    for f in definition.fields:
        if f.base_resolver is not None or is_private(f.type) or f.python_name in skipped:
            continue
        name = f.graphql_name or _camel(f.python_name)
        key = f"{definition.name}.{name}"
        if key in GUARDED_FIELDS and not may(principal, key, *owners):
            continue
        value = getattr(view, f.python_name)
        if key in SMALL_COUNTS:
            value = disclose_count(principal.role, value)
        _flatten(name, value, principal, shown)
    return shown


def _flatten(
    name: str, value: Any, principal: Principal, into: dict[str, str | None], *, named_by: str = ""
) -> None:
    """An object's fields as ``name.field``, a list of objects' as ``name[element].field`` (the
    element named by its title, indicator or year, else by its place); an empty list as nothing."""
    if has_object_definition(value):
        for part, text in visible(value, principal, leave_out=[named_by]).items():
            into[f"{name}.{part}"] = text
    elif isinstance(value, list | tuple) and any(has_object_definition(v) for v in value):
        for place, element in enumerate(value, start=1):
            naming = next((n for n in _NAMED_BY if hasattr(element, n)), "")
            label = getattr(element, naming) if naming else place
            _flatten(f"{name}[{label}]", element, principal, into, named_by=naming)
    elif isinstance(value, list | tuple | set | frozenset):
        if value:
            into[name] = ", ".join(_text(v) or "" for v in value)
    else:
        into[name] = _text(value)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _text(value: Any) -> str | None:
    """A value as a change shows it; nothing for an empty text, as for none."""
    if value is None or value == "":
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """The fields whose text differs, in the order ``after`` has them, then those it lost."""
    return [
        FieldChange(field=name, before=before.get(name), after=after.get(name))
        for name in [*after, *(n for n in before if n not in after)]
        if before.get(name) != after.get(name)
    ]


def changes_of(
    history: History[A, Any],
    events: Iterable[Any],
    principal: Principal,
    *,
    start: A | None = None,
    owners: Callable[[A], list[Owner]] = lambda _aggregate: [],
    node: Callable[..., Any] = Change,
) -> list[Any]:
    """The events replayed from ``start`` (the aggregate before them; None before its first) into
    changes of its view as ``principal`` may see it. ``owners``: whose it is, for its actor's gate."""
    aggregate = start
    before = history.describe(aggregate, principal) if aggregate is not None else {}
    whose: list[Owner] | None = None
    changes = []
    for event in events:
        aggregate = event.mutate(aggregate)
        assert aggregate is not None
        whose = owners(aggregate) if whose is None else whose
        after = history.describe(aggregate, principal)
        actor = getattr(event, "actor", None)
        changes.append(
            node(
                at=event.timestamp,
                version=event.originator_version,
                event=type(event).__name__,
                actor=Actor.of(actor) if isinstance(actor, ActorRecord) else None,
                changes=field_changes(before, after),
                policy_owners=whose,
            )
        )
        before = after
    return changes


def history_page(
    concord: Concord,
    history: History[A, Any],
    principal: Principal,
    aggregate_id: UUID,
    first: int,
    after: str | None,
    *,
    node: Callable[..., Any] = Change,
    edge: Callable[..., Any] = ChangeEdge,
    connection: Callable[..., Any] = ChangeConnection,
) -> Any:
    """One page of an object's changes, oldest first; the cursor is its version after the change.
    Only the page and the state before it (from the nearest snapshot) are read."""
    page = concord.history_page(
        history.aggregate,
        history.name,
        aggregate_id,
        after=decode_cursor(after) if after else 0,
        limit=first + 1,
    )
    changes = changes_of(
        history,
        page.events[:first],
        principal,
        start=page.start,
        owners=lambda aggregate: history.owners(concord, aggregate),
        node=node,
    )
    edges = [edge(cursor=encode_cursor(change.version), node=change) for change in changes]
    return connection(
        edges=edges,
        page_info=page_info(edges, has_next=len(page.events) > first, after=after),
        total_count=page.total,
    )


async def read_history(
    info: Info,
    history: History[A, Any],
    aggregate_id: UUID | str,
    first: int,
    after: str | None,
    **types: Callable[..., Any],
) -> Any:
    """``history_page`` off the event loop, for the caller of this request."""
    check_first(first)
    c = info.context
    concord, principal = c.runtime.concord, c.principal
    return await c.run(
        history_page, concord, history, principal, UUID(str(aggregate_id)), first, after, **types
    )


def one(noun: str, *, then: str = "") -> str:
    """The description of a query for one object that takes ``asOf``; ``then``: what it adds."""
    return (
        f"One {noun}; NOT_FOUND if there is none with this id. With asOf, the {noun} as it stood "
        f"then, replayed from the event store (NOT_FOUND if it did not exist yet){then}."
    )


async def stood(info: Info, history: History[A, Any], aggregate_id: UUID, moment: datetime) -> A:
    """The aggregate as it stood at ``moment``, replayed from the event store; NOT_FOUND before it
    existed."""
    if moment.tzinfo is None:
        raise BadInput("asOf", "give a time zone, e.g. 2026-11-28T09:00:00Z")
    concord = info.context.runtime.concord
    return await info.context.run(concord.as_of, history.aggregate, history.name, aggregate_id, moment)


async def as_of(info: Info, history: History[A, V], aggregate_id: UUID, moment: datetime) -> V:
    """The object as it stood at ``moment``, as its live view shows it."""
    return history.view(await stood(info, history, aggregate_id, moment))
