"""What every resolver receives: the running Concord, who asks, and the request's identifiers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.types import Info as StrawberryInfo
from strawberry.types.nodes import SelectedField, Selection

from services.api.schema.loaders import Loaders
from services.bootstrap import Runtime
from services.coordination import Command
from services.identity.access import Principal
from services.infrastructure.deadlines import in_thread

T = TypeVar("T")


@dataclass
class Context:
    runtime: Runtime
    principal: Principal
    correlation_id: str
    idempotency_key: str | None = None  # from the Idempotency-Key header
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders.on(self.runtime.query_engine)

    def command(self, idempotency_key: str | None = None) -> Command:
        """The command's envelope; a key in the input wins over the header's."""
        return Command(
            principal=self.principal,
            correlation_id=self.correlation_id,
            idempotency_key=idempotency_key or self.idempotency_key,
        )

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (synchronous) call into the event-sourced application off the event loop; its
        waits for the database end after ``CONCORD_COMMAND_DB_TIMEOUT``."""
        return await in_thread(self.runtime.settings.command_db_timeout, call, *args, **kwargs)


Info = StrawberryInfo[Context, None]


def selected(info: Info) -> frozenset[str]:
    """The names of the fields asked for directly under the field being resolved, through its
    fragments too: what a resolver need not fetch (a count nobody asked for, rows when only the
    count was asked). A field under ``@skip``/``@include`` counts as asked for."""
    names: set[str] = set()

    def walk(selections: list[Selection]) -> None:
        for selection in selections:
            if isinstance(selection, SelectedField):
                names.add(selection.name)
            else:  # a fragment, spread or inline
                walk(selection.selections)

    for asked in info.selected_fields:  # one for each time the field is named
        walk(asked.selections)
    return frozenset(names)
