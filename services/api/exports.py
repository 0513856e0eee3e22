"""The funds and projects as IATI 2.03 XML, for the IATI registry (the CSV exports are in
``csv_exports``), streamed: each activity is written as it is made."""

from __future__ import annotations

import asyncio
import io
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from lxml import etree

from projections import project_queries, queries
from services.access import Principal
from services.api.csv_exports import flow_names
from services.api.iati import Activity, fund_activity, project_activity
from services.api.openapi import problems
from services.api.rest_auth import allowed
from services.bootstrap import Runtime

router = APIRouter(prefix="/exports", tags=["exports"])

#: Bytes gathered before a chunk goes out: a fund's activity alone may be hundreds of megabytes.
CHUNK_BYTES = 64 * 1024
XML_MEDIA_TYPE = "application/xml"


@router.get(
    "/iati.xml",
    summary="The Stability Fund and the reconstruction projects as IATI 2.03 activities",
    response_class=StreamingResponse,
    responses={200: {"content": {XML_MEDIA_TYPE: {"schema": {"type": "string"}}}}, **problems(401, 403)},
)
async def iati_xml(
    request: Request, _principal: Annotated[Principal, Depends(allowed("GET /exports/iati.xml"))]
) -> StreamingResponse:
    runtime: Runtime = request.app.state.runtime
    activities = await iati_activities(runtime)  # read before the first byte: a failed read is a 500
    chunks = iati_document(activities, generated_at=datetime.now(UTC))
    return StreamingResponse(_on_the_event_loop(chunks), media_type=XML_MEDIA_TYPE)


async def iati_activities(runtime: Runtime) -> list[Activity]:
    """Every fund, then every project, oldest first, each with the flows that touch it: the flows are
    read and grouped once, whatever their number."""
    engine = runtime.query_engine
    funds = await queries.list_funds(engine)
    flows = await queries.flows(engine)
    projects = await project_queries.all_projects(engine)
    names = await flow_names(runtime, flows)
    implementers = {UUID(i) for p in projects for i in p.implementers.split(",") if i}
    found = await queries.organisations_by_id(engine, list(implementers))
    names.update({i: o.name for i, o in found.items()})
    in_and_out: dict[UUID, list[queries.FlowRow]] = defaultdict(list)  # by fund, in the order made
    received: dict[UUID, list[queries.FlowRow]] = defaultdict(list)  # by project
    for flow in flows:
        if flow.source_kind == "fund":
            in_and_out[flow.source_id].append(flow)
        elif flow.destination_kind == "fund":
            in_and_out[flow.destination_id].append(flow)
        if flow.destination_kind == "project":
            received[flow.destination_id].append(flow)
    return [
        *(fund_activity(fund, in_and_out[fund.id], names) for fund in funds),
        *(project_activity(project, received[project.id], names) for project in projects),
    ]


def iati_document(activities: Iterable[Activity], *, generated_at: datetime) -> Iterator[bytes]:
    """The ``iati-activities`` document, pretty-printed, in chunks of about ``CHUNK_BYTES``."""
    buffer = io.BytesIO()
    root = {"version": "2.03", "generated-datetime": generated_at.isoformat(timespec="seconds")}
    with etree.xmlfile(buffer, encoding="UTF-8", buffered=False) as xml:
        xml.write_declaration()
        with xml.element("iati-activities", root):
            for activity in activities:
                updated = activity.last_updated.isoformat(timespec="seconds")
                xml.write("\n  ")
                with xml.element("iati-activity", {"last-updated-datetime": updated}):
                    for part in activity.parts:
                        etree.indent(part, level=2)
                        xml.write("\n    ", part)
                        if buffer.tell() >= CHUNK_BYTES:
                            yield _drained(buffer)
                    xml.write("\n  ")
            xml.write("\n")
    buffer.write(b"\n")
    yield _drained(buffer)


def _drained(buffer: io.BytesIO) -> bytes:
    chunk = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return chunk


async def _on_the_event_loop(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """lxml's serialiser stays on one thread (Starlette would move a plain iterator between worker
    threads), and other requests get the loop between chunks."""
    for chunk in chunks:
        yield chunk
        await asyncio.sleep(0)
