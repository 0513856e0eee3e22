"""The event feed for integrations: ``GET /events?after=POSITION&limit=N&topics=…``.

Positions are the event store's notification ids: stable, increasing, with gaps. A client keeps
the ``next`` it was given and asks again from there; it sees only the event types and fields
its principal may read (``services.api.feed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from services.api.feed import Catalogue, actor_for, payload_for
from services.api.openapi import GUARDED, problems
from services.api.positions import MAX_POSITION, parse_position
from services.api.rest_auth import allowed
from services.bootstrap import Runtime
from services.identity.access import Principal
from services.infrastructure.deadlines import in_thread

MAX_LIMIT = 1000
CATALOGUE = Catalogue.build()
router = APIRouter(tags=["events"])


class FeedEvent(BaseModel):
    position: int = Field(description="the event's position in the log (its notification id)")
    topic: str = Field(description="the stored event's topic, e.g. domain.offers:Offer.Posted")
    type: str = Field(description="the topic's short name, e.g. Offer.Posted")
    aggregate_id: str = Field(alias="aggregateId")
    version: int = Field(description="the aggregate's version after this event")
    timestamp: str
    actor: dict[str, Any] | None = Field(
        description="who did it: in full for the secretariat and the actor itself, else its role only"
    )
    payload: dict[str, Any]


class FeedPage(BaseModel):
    items: list[FeedEvent]
    next: int = Field(description="send as `after` for the following page")
    head: int = Field(description="the last position recorded when the page was read")


@router.get(
    "/events",
    summary="The event log, page by page, as the caller may see it",
    response_model=FeedPage,
    response_model_by_alias=True,
    responses={**GUARDED, **problems(400)},
    # ``after`` is read by hand: a number outside the store's range is a 400 like any bad position.
    openapi_extra={
        "parameters": [
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": "the last position seen (0: from the start)",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_POSITION, "default": 0},
            }
        ]
    },
)
async def events(
    request: Request,
    principal: Annotated[Principal, Depends(allowed("GET /events"))],
    limit: Annotated[int, Query(ge=1, description=f"events per page; at most {MAX_LIMIT} are sent")] = 100,
    topics: Annotated[
        list[str] | None,
        Query(
            description=(
                "only these event types (repeatable or comma-separated): a topic "
                "(domain.offers:Offer.Posted), a short name (Offer.Posted) or an aggregate (Offer)"
            )
        ),
    ] = None,
) -> FeedPage:
    runtime: Runtime = request.app.state.runtime
    after = parse_position(request.query_params.get("after", "0"), "after")
    visible = CATALOGUE.visible_topics(principal)
    names = [n.strip() for value in topics or () for n in value.split(",") if n.strip()]
    if names:
        try:
            wanted = CATALOGUE.resolve(names)
        except KeyError as error:
            raise HTTPException(422, f"topics: {error.args[0]!r} names no event type of the feed") from None
        visible = [t for t in visible if t in wanted]
    timeout = runtime.settings.command_db_timeout
    return await in_thread(timeout, _page, runtime, principal, after, min(limit, MAX_LIMIT), visible)


def _page(runtime: Runtime, principal: Principal, after: int, limit: int, topics: Sequence[str]) -> FeedPage:
    recorder = runtime.concord.recorder
    # Read before the page: positions are given in commit order, so a page that is not full
    # holds every matching event up to ``head``, and the next page may start there.
    head = recorder.max_notification_id() or 0
    notifications = (
        recorder.select_notifications(after, limit, topics=topics, inclusive_of_start=False) if topics else []
    )
    items = []
    for notification in notifications:
        event: Any = runtime.concord.mapper.to_domain_event(notification)
        items.append(
            FeedEvent(
                position=notification.id,
                topic=notification.topic,
                type=notification.topic.split(":", 1)[1],
                aggregateId=str(notification.originator_id),
                version=notification.originator_version,
                timestamp=event.timestamp.isoformat(),
                actor=actor_for(principal, event),
                payload=payload_for(principal, event),
            )
        )
    last = items[-1].position if items else after
    following = last if len(items) == limit else max(last, head)
    return FeedPage(items=items, next=following, head=max(head, last))
