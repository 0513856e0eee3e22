"""The read baseline: bare REST endpoints serving the dashboard's reads from the same read models.

``python -m bench.rest_server`` (CONCORD_* settings as for ``concord serve``): ``GET
/requests?first=N`` (the ``Requests`` operation), ``GET /oldest-unmet-needs?first=N``
(``OldestUnmetNeeds``) and ``GET /coverage`` (``Coverage``), each running the same SQLAlchemy Core
query as the GraphQL field and answering with the same fields, serialised by orjson. No
authentication, no GraphQL: what each read costs at the least, to measure the GraphQL endpoint against.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

from projections.assistance_requests import queries as request_queries
from projections.coverage import queries as coverage_queries
from projections.database import create_read_engine
from services.infrastructure.storage import storage_for
from services.settings import Settings


def _node(row: request_queries.RequestRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "memberState": row.member_state,
        "sector": row.sector,
        "title": row.title,
        "quantity": str(row.quantity),
        "unit": row.unit,
        "priority": row.priority,
        "neededBy": row.needed_by.isoformat(),
        "adminCode": row.admin_code,
        "status": row.status.upper(),
        "item": row.item,
        "committed": str(row.committed),
        "gap": str(max(row.quantity - row.committed, Decimal(0))),
    }


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"position:{position}".encode()).decode()


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_read_engine(
            storage_for(settings).read_url, pool_size=settings.postgres_pool_size
        )
        yield
        await app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan, telemetry={"tracing": False, "metrics": False, "logs": False})

    @app.get("/requests")
    async def requests(request: Request, first: int = 20) -> Response:
        page = await request_queries.list_requests(
            request.app.state.engine, request_queries.RequestFilter(), first=first, after=None
        )
        edges = [{"cursor": _cursor(row.posted_position), "node": _node(row)} for row in page.rows]
        body = {
            "totalCount": page.total_count,
            "pageInfo": {
                "hasNextPage": page.has_next_page,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "edges": edges,
        }
        return Response(orjson.dumps(body), media_type="application/json")

    @app.get("/oldest-unmet-needs")
    async def oldest_unmet_needs(request: Request, first: int = 20) -> Response:
        unmet = request_queries.RequestFilter(statuses=("open", "partially-covered"), min_priority=4)
        page = await request_queries.list_requests(
            request.app.state.engine, unmet, first=first, after=None, order="urgency"
        )
        body = {"totalCount": page.total_count, "edges": [{"node": _node(row)} for row in page.rows]}
        return Response(orjson.dumps(body), media_type="application/json")

    @app.get("/coverage")
    async def coverage(request: Request) -> Response:
        rows = await coverage_queries.coverage(request.app.state.engine, None, by_state=True, by_sector=True)
        body = [
            {
                "memberState": row.member_state,
                "sector": row.sector,
                "requests": row.requests,
                "requested": str(row.requested),
                "committed": str(row.committed),
                "delivered": str(row.delivered),
                "gap": str(row.gap),
            }
            for row in rows
        ]
        return Response(orjson.dumps(body), media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
