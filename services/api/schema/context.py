"""What every resolver receives: the running Concord, who asks, and the request's identifiers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.types import Info as StrawberryInfo

from services.access import Principal
from services.api.schema.loaders import Loaders
from services.bootstrap import Runtime
from services.coordination import Command

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
        """Run a (synchronous) call into the event-sourced application off the event loop."""
        return await asyncio.to_thread(call, *args, **kwargs)


Info = StrawberryInfo[Context, None]
