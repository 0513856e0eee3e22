"""IATI 2.03 XML parts shared by the export: transactions, narratives, and each reconstruction
project as an activity (its status, dates, country, sector, implementers, money in and results).

Left out on purpose: budgets (IATI wants one per period of at most a year, which Concord does not
plan) and locations (no IATI geographic vocabulary names OCHA P-codes).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from lxml import etree

from domain.codes import MemberState, Sector
from domain.projects import ProjectStatus
from projections import project_queries, queries

REPORTING_ORG = "XM-ASEAN-SEC"  # no registered IATI organisation identifier exists yet
IATI_INCOMING_PLEDGE, IATI_INCOMING_COMMITMENT, IATI_INCOMING_FUNDS = "13", "11", "1"
IATI_OUTGOING_COMMITMENT, IATI_DISBURSEMENT = "2", "3"
_ACCOUNTABLE, _IMPLEMENTING, _GOVERNMENT = "2", "4", "10"
_OWN_VOCABULARY = "99"  # the reporting organisation's own: Concord's sector codes
_ACTIVITY_DATES = (("1", "planned_start"), ("2", "started_on"), ("3", "planned_end"), ("4", "ended_on"))


def project_activity(
    project: project_queries.ProjectRow,
    flows: list[queries.FlowRow],
    names: dict[UUID, str],
    pledges_by_id: dict[UUID, queries.PledgeRow],
) -> etree._Element:
    """Flows in: pledges (13 pledge, 11 commitment, 1 funds received) and fund allocations (11, then 1
    as disbursed)."""
    activity = etree.Element(
        "iati-activity", attrib={"last-updated-datetime": project.registered_at.isoformat(timespec="seconds")}
    )
    text(activity, "iati-identifier", f"{REPORTING_ORG}-{project.id}")
    narrative(etree.SubElement(activity, "reporting-org", ref=REPORTING_ORG, type="40"), "ASEAN Secretariat")
    narrative(etree.SubElement(activity, "title"), project.title)
    narrative(etree.SubElement(activity, "description", type="1"), project.description or project.title)
    state = MemberState(project.member_state)
    host = etree.SubElement(activity, "participating-org", role=_ACCOUNTABLE, type=_GOVERNMENT)
    narrative(host, f"Government of {state.label}")
    for organisation in filter(None, project.implementers.split(",")):
        implementer = etree.SubElement(activity, "participating-org", role=_IMPLEMENTING)
        narrative(implementer, names.get(UUID(organisation), organisation))
    etree.SubElement(activity, "activity-status", code=ProjectStatus(project.status).iati_code)
    for code, attribute in _ACTIVITY_DATES:
        day: date | None = getattr(project, attribute)
        if day is not None:
            etree.SubElement(activity, "activity-date", type=code, attrib={"iso-date": day.isoformat()})
    etree.SubElement(activity, "recipient-country", code=state.iso2)
    sector = etree.SubElement(activity, "sector", vocabulary=_OWN_VOCABULARY, code=project.sector)
    narrative(sector, Sector(project.sector).label)
    for flow in flows:
        if flow.destination_id != project.id:
            continue
        provider = names.get(flow.source_id, str(flow.source_id))
        if flow.source_kind == "fund":
            transaction(activity, IATI_INCOMING_COMMITMENT, flow, flow.usd_amount, provider=provider)
            if flow.usd_paid > 0:
                transaction(activity, IATI_INCOMING_FUNDS, flow, flow.usd_paid, provider=provider)
            continue
        pledge = pledges_by_id[flow.id]
        if pledge.usd_paid > 0:
            transaction(activity, IATI_INCOMING_FUNDS, flow, pledge.usd_paid, provider=provider)
        elif flow.status == "commitment":
            transaction(activity, IATI_INCOMING_COMMITMENT, flow, flow.usd_amount, provider=provider)
        else:
            transaction(activity, IATI_INCOMING_PLEDGE, flow, flow.usd_amount, provider=provider)
    for result in project.results:
        _result(activity, project, result)
    return activity


def _result(
    activity: etree._Element, project: project_queries.ProjectRow, row: project_queries.ResultRow
) -> None:
    """An output (type 1) with one indicator counted in units (measure 1), over the planned period."""
    result = etree.SubElement(activity, "result", type="1")
    narrative(etree.SubElement(result, "title"), row.indicator)
    ascending = "1" if row.target >= row.baseline else "0"
    indicator = etree.SubElement(result, "indicator", measure="1", ascending=ascending)
    narrative(etree.SubElement(indicator, "title"), f"{row.indicator} ({row.unit})")
    baseline_year = str(project.planned_start.year)
    etree.SubElement(indicator, "baseline", year=baseline_year, value=str(row.baseline))
    period = etree.SubElement(indicator, "period")
    etree.SubElement(period, "period-start", attrib={"iso-date": project.planned_start.isoformat()})
    etree.SubElement(period, "period-end", attrib={"iso-date": project.planned_end.isoformat()})
    etree.SubElement(period, "target", value=str(row.target))
    if row.achieved is not None:
        etree.SubElement(period, "actual", value=str(row.achieved))


def transaction(
    activity: etree._Element,
    code: str,
    flow: queries.FlowRow,
    usd: object,
    *,
    provider: str | None = None,
    receiver: str | None = None,
) -> None:
    element = etree.SubElement(activity, "transaction", ref=str(flow.id))
    etree.SubElement(element, "transaction-type", code=code)
    etree.SubElement(element, "transaction-date", attrib={"iso-date": flow.decided_on.isoformat()})
    on = flow.decided_on.isoformat()
    value = etree.SubElement(element, "value", currency="USD", attrib={"value-date": on})
    value.text = str(usd)
    if provider is not None:
        narrative(etree.SubElement(element, "provider-org"), provider)
    if receiver is not None:
        narrative(etree.SubElement(element, "receiver-org"), receiver)


def text(parent: etree._Element, tag: str, value: str) -> None:
    etree.SubElement(parent, tag).text = value


def narrative(parent: etree._Element, value: str) -> None:
    etree.SubElement(parent, "narrative").text = value
