"""The funds as IATI 2.03 XML, for the IATI registry (the CSV exports are in ``csv_exports``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from lxml import etree

from projections import project_queries, queries
from services.access import Principal
from services.api.csv_exports import flow_names
from services.api.iati import (
    IATI_DISBURSEMENT,
    IATI_INCOMING_COMMITMENT,
    IATI_INCOMING_FUNDS,
    IATI_INCOMING_PLEDGE,
    IATI_OUTGOING_COMMITMENT,
    REPORTING_ORG,
    project_activity,
)
from services.api.iati import narrative as _narrative
from services.api.iati import text as _text
from services.api.iati import transaction as _transaction
from services.api.openapi import problems
from services.api.rest_auth import allowed
from services.bootstrap import Runtime

router = APIRouter(prefix="/exports", tags=["exports"])


@router.get(
    "/iati.xml",
    summary="The Stability Fund and the reconstruction projects as IATI 2.03 activities",
    response_class=Response,
    responses={200: {"content": {"application/xml": {"schema": {"type": "string"}}}}, **problems(401, 403)},
)
async def iati_xml(
    request: Request, _principal: Annotated[Principal, Depends(allowed("GET /exports/iati.xml"))]
) -> Response:
    runtime: Runtime = request.app.state.runtime
    document = await iati_document(runtime)
    body = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return Response(body, media_type="application/xml")


async def iati_document(runtime: Runtime) -> etree._Element:
    engine = runtime.query_engine
    funds = await queries.list_funds(engine)
    flows = await queries.flows(engine)
    organisations = await queries.organisations_by_id(engine, list({f.source_id for f in flows}))
    pledge_rows, _, _ = await queries.list_pledges(engine, queries.PledgeFilter(), first=100_000, after=None)
    pledges_by_id = {p.id: p for p in pledge_rows}
    root = etree.Element(
        "iati-activities",
        version="2.03",
        attrib={"generated-datetime": datetime.now(UTC).isoformat(timespec="seconds")},
    )
    for fund in funds:
        activity = etree.SubElement(
            root,
            "iati-activity",
            attrib={"last-updated-datetime": fund.opened_at.isoformat(timespec="seconds")},
        )
        _text(activity, "iati-identifier", f"{REPORTING_ORG}-{fund.id}")
        reporting = etree.SubElement(activity, "reporting-org", ref=REPORTING_ORG, type="40")
        _narrative(reporting, "ASEAN Secretariat")
        _narrative(etree.SubElement(activity, "title"), fund.name)
        _narrative(
            etree.SubElement(activity, "description", type="1"),
            "Pooled fund under annex V.3 of the ASEAN Security Community Plan of Action",
        )
        participating = etree.SubElement(
            activity, "participating-org", ref=REPORTING_ORG, role="1", type="40"
        )
        _narrative(participating, "ASEAN Secretariat")
        etree.SubElement(activity, "activity-status", code="2")
        etree.SubElement(
            activity, "activity-date", type="2", attrib={"iso-date": fund.opened_at.date().isoformat()}
        )
        for flow in flows:
            incoming = flow.source_kind == "organisation" and flow.destination_id == fund.id
            outgoing = flow.source_kind == "fund" and flow.source_id == fund.id
            if incoming:
                pledge = pledges_by_id[flow.id]
                organisation = organisations.get(flow.source_id)
                provider = organisation.name if organisation else str(flow.source_id)
                if pledge.usd_paid > 0:
                    _transaction(activity, IATI_INCOMING_FUNDS, flow, pledge.usd_paid, provider=provider)
                elif flow.status == "commitment":
                    _transaction(activity, IATI_INCOMING_COMMITMENT, flow, flow.usd_amount, provider=provider)
                else:
                    _transaction(activity, IATI_INCOMING_PLEDGE, flow, flow.usd_amount, provider=provider)
            elif outgoing:
                _transaction(
                    activity,
                    IATI_OUTGOING_COMMITMENT,
                    flow,
                    flow.usd_amount,
                    receiver=str(flow.destination_id),
                )
                if flow.usd_paid > 0:
                    _transaction(
                        activity, IATI_DISBURSEMENT, flow, flow.usd_paid, receiver=str(flow.destination_id)
                    )
    projects, _, _ = await project_queries.list_projects(
        engine, project_queries.ProjectFilter(), first=100_000, after=None
    )
    names = await flow_names(runtime, flows)
    implementers = {UUID(i) for p in projects for i in p.implementers.split(",") if i}
    found = await queries.organisations_by_id(engine, list(implementers))
    names.update({i: o.name for i, o in found.items()})
    for project in reversed(projects):
        root.append(project_activity(project, flows, names, pledges_by_id))
    return root
