"""HXL-tagged CSV exports of the read models: requests, offers, coverage, safe havens, flows.

What a caller may not see never leaves: a safe haven's exact location goes only to those with
need-to-know (``REDACTED_FIELDS``), and viewers get small counts of people suppressed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from domain.codes import MemberState, Sector
from domain.havens import admin1
from domain.offers import offer_status
from domain.requests import RequestStatus
from projections.assistance_requests import queries as request_queries
from projections.coverage import queries as coverage_queries
from projections.crises import queries as crisis_queries
from projections.disclosure import disclose_count
from projections.finance import stability_fund as fund_queries
from projections.flows import queries as flow_queries
from projections.hxl import queries as hxl_queries
from projections.organisations import queries as organisation_queries
from projections.projects import queries as project_queries
from projections.safe_havens import queries as haven_queries
from services.api.exports.hxl_csv import CSV_RESPONSES, Column, csv_response
from services.api.openapi import GUARDED
from services.api.rest_auth import allowed
from services.bootstrap import Runtime
from services.identity.access import Owner, Principal, may

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
router = APIRouter(prefix="/exports", tags=["exports"])


def hxl_csv(on: APIRouter, path: str, summary: str) -> Callable[[Endpoint], Endpoint]:
    """A GET route that streams HXL-tagged CSV, with the responses every export documents."""
    return on.get(
        path, summary=summary, response_class=StreamingResponse, responses={**CSV_RESPONSES, **GUARDED}
    )


CrisisFilter = Annotated[list[UUID] | None, Query(description="only these crises (repeatable)")]
SectorFilter = Annotated[
    list[Sector] | None,
    Query(description="only these sectors (repeatable): the code (PB-REC) or its GraphQL name (PB_REC)"),
]

REQUEST_COLUMNS: list[Column[request_queries.RequestRow]] = [
    Column("Request", "#meta+id", lambda r: r.id),
    Column("Crisis", "#crisis+id", lambda r: r.crisis_id),
    Column("Member state", "#country+code", lambda r: r.member_state),
    Column("Admin 1", "#adm1+code", lambda r: admin1(r.admin_code, MemberState(r.member_state))),
    Column("Admin area", "#loc+code", lambda r: r.admin_code),
    Column("Sector", "#sector+cluster", lambda r: r.sector),
    Column("Item", "#item+code", lambda r: r.item),
    Column("Title", "#item+name", lambda r: r.title),
    Column("Requested", "#indicator+requested+num", lambda r: r.quantity),
    Column("Committed", "#indicator+committed+num", lambda r: r.committed),
    Column("In transit", "#indicator+transit+num", lambda r: r.in_transit),
    Column("Delivered", "#indicator+delivered+num", lambda r: r.delivered),
    Column("Unit", "#indicator+unit", lambda r: r.unit),
    Column("Priority", "#priority", lambda r: r.priority),
    Column("Needed by", "#date+needed", lambda r: r.needed_by),
    Column("Status", "#status", lambda r: r.status),
    Column("Posted", "#date+posted", lambda r: r.posted_at),
]


@hxl_csv(router, "/requests.csv", "Assistance requests as HXL-tagged CSV (hashtag row under the header)")
async def requests_csv(
    request: Request,
    _principal: Annotated[Principal, Depends(allowed("GET /exports/requests.csv"))],
    crisis: CrisisFilter = None,
    member_state: Annotated[list[MemberState] | None, Query(alias="memberState")] = None,
    sector: SectorFilter = None,
    status: Annotated[list[RequestStatus] | None, Query()] = None,
) -> StreamingResponse:
    where = request_queries.RequestFilter(
        crisis_ids=tuple(crisis or ()),
        member_states=tuple(s.value for s in member_state or ()),
        sectors=tuple(s.value for s in sector or ()),
        statuses=tuple(s.value for s in status or ()),
    )
    rows = hxl_queries.requests(runtime_of(request).read_engine, where)
    return csv_response(rows, REQUEST_COLUMNS, "concord-requests.csv")


def offer_columns(today: date) -> list[Column[hxl_queries.OfferWithOrganisation]]:
    def status(r: hxl_queries.OfferWithOrganisation) -> str:
        o = r.offer
        expired = today > o.available_until
        return offer_status(
            withdrawn=o.withdrawn, expired=expired, quantity=o.quantity, allocated=o.allocated
        ).value

    return [
        Column("Offer", "#meta+id", lambda r: r.offer.id),
        Column("Crisis", "#crisis+id", lambda r: r.offer.crisis_id),
        Column("Organisation", "#org+name", lambda r: r.organisation),
        Column("Organisation id", "#org+id", lambda r: r.offer.organisation_id),
        Column("Offering state", "#country+code+offering", lambda r: r.offer.offering_state),
        Column("Sector", "#sector+cluster", lambda r: r.offer.sector),
        Column("Item", "#item+code", lambda r: r.offer.item),
        Column("Quantity", "#indicator+offered+num", lambda r: r.offer.quantity),
        Column("Allocated", "#indicator+allocated+num", lambda r: r.offer.allocated),
        Column("Unit", "#indicator+unit", lambda r: r.offer.unit),
        Column("Available from", "#date+start", lambda r: r.offer.available_from),
        Column("Available until", "#date+end", lambda r: r.offer.available_until),
        Column("Serves", "#country+code+served", lambda r: r.offer.serves.replace(",", " ")),
        Column("Delivery mode", "#modality", lambda r: r.offer.delivery_mode),
        Column("Standby capacity", "#capacity+type", lambda r: r.offer.standby_capacity),
        Column("Status", "#status", status),
        Column("Posted", "#date+posted", lambda r: r.offer.posted_at),
    ]


@hxl_csv(router, "/offers.csv", "Offers as HXL-tagged CSV (hashtag row under the header)")
async def offers_csv(
    request: Request,
    _principal: Annotated[Principal, Depends(allowed("GET /exports/offers.csv"))],
    crisis: CrisisFilter = None,
) -> StreamingResponse:
    runtime = runtime_of(request)
    rows = hxl_queries.offers_with_organisation(runtime.read_engine, crisis or ())
    return csv_response(rows, offer_columns(runtime.concord.today()), "concord-offers.csv")


COVERAGE_COLUMNS: list[Column[coverage_queries.CoverageRow]] = [
    Column("Member state", "#country+code", lambda r: r.member_state),
    Column("Sector", "#sector+cluster", lambda r: r.sector),
    Column("Requests", "#meta+requests+num", lambda r: r.requests),
    Column("Requested", "#indicator+requested+num", lambda r: r.requested),
    Column("Committed", "#indicator+committed+num", lambda r: r.committed),
    Column("Delivered", "#indicator+delivered+num", lambda r: r.delivered),
    Column("Gap", "#indicator+gap+num", lambda r: r.gap),
]


@hxl_csv(router, "/coverage.csv", "Coverage of live requests by member state and sector, as HXL-tagged CSV")
async def coverage_csv(
    request: Request,
    _principal: Annotated[Principal, Depends(allowed("GET /exports/coverage.csv"))],
    crisis: Annotated[UUID | None, Query(description="one crisis; all crises when left out")] = None,
) -> StreamingResponse:
    rows = await coverage_queries.coverage(
        runtime_of(request).read_engine, crisis, by_state=True, by_sector=True
    )
    return csv_response(rows, COVERAGE_COLUMNS, "concord-coverage.csv")


def haven_columns(principal: Principal) -> list[Column[haven_queries.SafeHavenRow]]:
    def need_to_know(r: haven_queries.SafeHavenRow) -> bool:
        return may(principal, "SafeHaven.location", Owner(member_state=MemberState(r.member_state)))

    def people(count: int) -> int | None:
        return disclose_count(principal.role, count)

    def available(r: haven_queries.SafeHavenRow) -> int | None:
        """Capacity less occupancy and reserved room: blank where either is, which it would give away."""
        if people(r.occupancy) is None or people(r.reserved) is None:
            return None
        return max(min(r.capacity_day, r.capacity_night) - r.occupancy - r.reserved, 0)

    return [
        Column("Safe haven", "#meta+id", lambda r: r.id),
        Column("Crisis", "#crisis+id", lambda r: r.crisis_id),
        Column("Member state", "#country+code", lambda r: r.member_state),
        Column("Name", "#loc+name", lambda r: r.name),
        Column("Admin 1", "#adm1+code", lambda r: r.admin1),
        Column("Admin area", "#loc+code", lambda r: r.admin_code if need_to_know(r) else None),
        Column("Latitude", "#geo+lat", lambda r: r.latitude if need_to_know(r) else None),
        Column("Longitude", "#geo+lon", lambda r: r.longitude if need_to_know(r) else None),
        Column("Capacity by day", "#capacity+day+num", lambda r: r.capacity_day),
        Column("Capacity by night", "#capacity+night+num", lambda r: r.capacity_night),
        Column("Occupancy", "#affected+sheltered+num", lambda r: people(r.occupancy)),
        Column("Available", "#capacity+available+num", available),
        Column("Services", "#sector+list", lambda r: r.services.replace(",", " ")),
        Column("Status", "#status", lambda r: r.status),
    ]


@hxl_csv(
    router,
    "/safe-havens.csv",
    "Safe havens as HXL-tagged CSV; exact locations only for those with need-to-know",
)
async def safe_havens_csv(
    request: Request,
    principal: Annotated[Principal, Depends(allowed("GET /exports/safe-havens.csv"))],
    crisis: CrisisFilter = None,
) -> StreamingResponse:
    rows = hxl_queries.safe_havens_in(runtime_of(request).read_engine, crisis or ())
    return csv_response(rows, haven_columns(principal), "concord-safe-havens.csv")


def flow_columns(names: dict[UUID, str]) -> list[Column[flow_queries.FlowRow]]:
    def name(of: UUID) -> str:
        return names.get(of, str(of))

    return [
        Column("Flow", "#meta+id", lambda r: r.id),
        Column("Source", "#org+source", lambda r: name(r.source_id)),
        Column("Source type", "#org+source+type", lambda r: r.source_kind),
        Column("Destination", "#org+destination", lambda r: name(r.destination_id)),
        Column("Destination type", "#meta+destination+type", lambda r: r.destination_kind),
        Column("Destination id", "#meta+destination+id", lambda r: r.destination_id),
        Column("Status", "#status", lambda r: r.status),
        Column("Original amount", "#value", lambda r: r.amount),
        Column("Currency", "#currency", lambda r: r.currency),
        Column("USD", "#value+usd", lambda r: r.usd_amount),
        Column("USD paid", "#value+usd+funding", lambda r: r.usd_paid),
        Column("Earmarking", "#meta+earmarking", lambda r: r.earmarking),
        Column("In kind", "#indicator+inkind", lambda r: r.in_kind),
        Column("Decision date", "#date", lambda r: r.decided_on),
        Column("Country", "#country+code", lambda r: r.member_state),
        Column("Sector", "#sector+cluster", lambda r: r.sector),
    ]


@hxl_csv(
    router, "/flows.csv", "Flows in the OCHA FTS shape, as HXL-tagged CSV (hashtag row under the header)"
)
async def flows_csv(
    request: Request, _principal: Annotated[Principal, Depends(allowed("GET /exports/flows.csv"))]
) -> StreamingResponse:
    runtime = runtime_of(request)
    rows = await flow_queries.flows(runtime.query_engine)
    names = await flow_names(runtime, rows)
    return csv_response(rows, flow_columns(names), "concord-flows.csv")


async def flow_names(runtime: Runtime, rows: list[flow_queries.FlowRow]) -> dict[UUID, str]:
    """Names of the organisations, funds, requests and crises that flows connect."""
    ids = {row.source_id for row in rows} | {row.destination_id for row in rows}
    engine = runtime.query_engine
    names: dict[UUID, str] = {}
    names.update(
        {i: o.name for i, o in (await organisation_queries.organisations_by_id(engine, list(ids))).items()}
    )
    names.update({f.id: f.name for f in await fund_queries.list_funds(engine) if f.id in ids})
    names.update({i: r.title for i, r in (await request_queries.requests_by_id(engine, list(ids))).items()})
    names.update({i: c.name for i, c in (await crisis_queries.crises_by_id(engine, list(ids))).items()})
    names.update({i: p.title for i, p in (await project_queries.projects_by_id(engine, list(ids))).items()})
    return names


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
