"""The funds and projects as IATI 2.03 XML, for the IATI registry (the HXL CSV exports are in
``hxl``), streamed: each activity is written as it is made."""

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

from projections.finance import stability_fund as fund_queries
from projections.iati import queries as iati_queries
from projections.organisations import queries as organisation_queries
from projections.projects import queries as project_queries
from services.api.exports.iati_activities import Activity, Counterparts, fund_activity, project_activity
from services.api.openapi import problems
from services.api.rest_auth import allowed
from services.bootstrap import Runtime
from services.identity.access import Principal

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
    """Every fund, then every project, oldest first, each with the money that touches it stage by
    stage: read and grouped once, whatever its amount."""
    engine = runtime.query_engine
    funds = await fund_queries.list_funds(engine)
    projects = await project_queries.all_projects(engine)
    pledged = await iati_queries.pledges_to_activities(engine)
    allocated = await iati_queries.allocations_with_disbursements(engine)
    organisation_ids = {p.organisation_id for p in pledged}
    organisation_ids.update(UUID(i) for p in projects for i in p.implementers.split(",") if i)
    counterparts = Counterparts(
        organisations=await organisation_queries.organisations_by_id(engine, list(organisation_ids)),
        funds={fund.id: fund for fund in funds},
        projects={project.id: project for project in projects},
    )
    pledged_to: dict[UUID, list[iati_queries.PledgeStages]] = defaultdict(list)  # by fund or project
    for pledge in pledged:
        pledged_to[pledge.destination_id].append(pledge)
    allocated_by: dict[UUID, list[iati_queries.AllocationStages]] = defaultdict(list)  # by fund
    allocated_to: dict[UUID, list[iati_queries.AllocationStages]] = defaultdict(list)  # by project
    for allocation in allocated:
        allocated_by[allocation.fund_id].append(allocation)
        if allocation.destination_kind == "project":
            allocated_to[allocation.destination_id].append(allocation)
    return [
        *(fund_activity(f, pledged_to[f.id], allocated_by[f.id], counterparts) for f in funds),
        *(project_activity(p, pledged_to[p.id], allocated_to[p.id], counterparts) for p in projects),
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
