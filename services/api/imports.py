"""Uploads of requests and offers as HXL-tagged CSV or XLSX: ``?commit=false`` previews each row
as it would be posted, ``?commit=true`` posts the good ones (``services.imports``).

The file is the request's body, sent with its own content type (``text/csv`` or the XLSX type),
as a browser's ``fetch(url, {body: file})`` sends it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from domain.errors import InvalidInput
from services.api.openapi import GUARDED, problems
from services.api.problems import problem
from services.api.rest_auth import allowed
from services.bootstrap import Runtime
from services.identity.access import Principal
from services.imports.service import ImportReport, Kind, import_file
from services.imports.sheets import XLSX_MEDIA_TYPE
from services.infrastructure.logs import correlation_id

router = APIRouter(prefix="/imports", tags=["imports"])
#: 5,000 rows of requests are about 1 MB of CSV; room for ten times that, and no more.
MAX_UPLOAD = 10 * 1024 * 1024
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the sheet: a header row, the HXL hashtag row, then one row per line",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
Commit = Annotated[
    bool, Query(description="false: preview each row, post nothing; true: post the rows without errors")
]


class RowErrorOut(BaseModel):
    field: str | None = Field(description="the input field it concerns, as GraphQL names it")
    message: str
    reason: str | None = Field(default=None, description="a business refusal's reason (docs/api.md)")


class RowOut(BaseModel):
    line: int = Field(description="the row's line in the file (1 is the header)")
    status: str = Field(description="post, amend, posted, amended, unchanged, already-posted or error")
    id: UUID | None = Field(description="the request or offer the row posted, amended or names")
    values: dict[str, str] = Field(description="the row's cells, by input field")
    errors: list[RowErrorOut]


class ImportOut(BaseModel):
    kind: str
    digest: str = Field(description="SHA-256 of the file; with a row's line, its idempotency key")
    committed: bool
    position: int = Field(description="log position of the last command recorded (Concord-Consistent-With)")
    summary: dict[str, int] = Field(description="rows by status")
    rows: list[RowOut]


async def _import(request: Request, principal: Principal, kind: Kind, commit: bool) -> ImportOut | Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD:
        raise HTTPException(413, f"an upload may be at most {MAX_UPLOAD} bytes")
    content = await request.body()
    if len(content) > MAX_UPLOAD:
        raise HTTPException(413, f"an upload may be at most {MAX_UPLOAD} bytes")
    runtime: Runtime = request.app.state.runtime
    timeout = runtime.settings.command_db_timeout
    try:
        report = await asyncio.to_thread(  # each row's command is bounded by the timeout, not the whole
            import_file,
            runtime.concord,
            principal,
            kind,
            content,
            commit=commit,
            correlation_id=correlation_id.get(),
            row_timeout=timeout,
        )
    except InvalidInput as unreadable:  # the file as a whole; a row's errors are in its row
        return problem(400, "Bad Request", str(unreadable), code="BAD_USER_INPUT", field=unreadable.field)
    return _out(report)


def _out(report: ImportReport) -> ImportOut:
    return ImportOut(
        kind=report.kind.value,
        digest=report.digest,
        committed=report.committed,
        position=report.position,
        summary=report.summary(),
        rows=[
            RowOut(
                line=r.line,
                status=r.status.value,
                id=r.id,
                values=r.values,
                errors=[RowErrorOut(field=e.field, message=e.message, reason=e.reason) for e in r.errors],
            )
            for r in report.rows
        ],
    )


_RESPONSES = {**GUARDED, **problems(400, 413, 503)}


@router.post(
    "/requests",
    summary="Upload requests (HXL-tagged CSV or XLSX, the columns of /exports/requests.csv)",
    openapi_extra=_BODY,
    responses=_RESPONSES,
    response_model=ImportOut,
)
async def import_requests(
    request: Request,
    principal: Annotated[Principal, Depends(allowed("POST /imports/requests"))],
    commit: Commit = False,
) -> Any:
    return await _import(request, principal, Kind.REQUESTS, commit)


@router.post(
    "/offers",
    summary="Upload offers (HXL-tagged CSV or XLSX, the columns of /exports/offers.csv)",
    openapi_extra=_BODY,
    responses=_RESPONSES,
    response_model=ImportOut,
)
async def import_offers(
    request: Request,
    principal: Annotated[Principal, Depends(allowed("POST /imports/offers"))],
    commit: Commit = False,
) -> Any:
    return await _import(request, principal, Kind.OFFERS, commit)
