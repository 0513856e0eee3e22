"""What every resolver receives: the running Concord and the caller's request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.types import Info as StrawberryInfo

from services.bootstrap import Runtime

T = TypeVar("T")


@dataclass
class Context:
    runtime: Runtime

    async def command(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (synchronous) command of the event-sourced application off the event loop."""
        return await asyncio.to_thread(call, *args, **kwargs)


Info = StrawberryInfo[Context, None]
