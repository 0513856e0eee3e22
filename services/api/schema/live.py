"""Live updates: a subscription that fires when the read models have applied new events."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from services.api.problems import Unavailable
from services.api.schema.context import Info
from services.api.schema.scalars import LogPosition


@strawberry.type(description="The read models have reached this position of the log.")
class LogAdvance:
    position: LogPosition = strawberry.field(
        description="every projection has applied the events up to here; queries now see them"
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Where the read models stand now, then again each time they have applied new events "
            "(from any API process: PostgreSQL LISTEN/NOTIFY), coalesced; re-run your queries."
        )
    )
    async def changes(self, info: Info) -> AsyncGenerator[LogAdvance, None]:
        feed = info.context.runtime.feed
        if feed is None:
            raise Unavailable("this process serves no live updates")
        async for position in feed.follow():
            yield LogAdvance(position=LogPosition(position))
