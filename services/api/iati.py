"""IATI 2.03 XML parts: the Stability Fund and each reconstruction project as an activity (status,
dates, country, sector, implementers, money in and out, results), made one part at a time.

Left out on purpose: budgets (IATI wants one per period of at most a year, which Concord does not
plan) and locations (no IATI geographic vocabulary names OCHA P-codes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from lxml import etree

from domain.codes import MemberState, Sector
from domain.projects import ProjectStatus
from domain.text import replace_unsafe
from projections import project_queries, queries

REPORTING_ORG = "XM-ASEAN-SEC"  # no registered IATI organisation identifier exists yet
IATI_INCOMING_PLEDGE, IATI_INCOMING_COMMITMENT, IATI_INCOMING_FUNDS = "13", "11", "1"
IATI_OUTGOING_COMMITMENT, IATI_DISBURSEMENT = "2", "3"
_FUNDER, _ACCOUNTABLE, _IMPLEMENTING, _GOVERNMENT, _REGIONAL = "1", "2", "4", "10", "40"
_OWN_VOCABULARY = "99"  # the reporting organisation's own: Concord's sector codes
_ACTIVITY_DATES = (("1", "planned_start"), ("2", "started_on"), ("3", "planned_end"), ("4", "ended_on"))
_SECRETARIAT = "ASEAN Secretariat"


@dataclass(frozen=True)
class Activity:
    """An ``iati-activity``'s date and its parts, made as they are written: a fund with a million
    pledges is never one tree in memory."""

    last_updated: datetime
    parts: Iterator[etree._Element]


def _identified(activity_id: UUID, title: str, description: str) -> Iterator[etree._Element]:
    """What every activity opens with: its identifier, the Secretariat reporting, title, description."""
    yield text("iati-identifier", f"{REPORTING_ORG}-{activity_id}")
    yield narrated(etree.Element("reporting-org", ref=REPORTING_ORG, type=_REGIONAL), _SECRETARIAT)
    yield narrated(etree.Element("title"), title)
    yield narrated(etree.Element("description", type="1"), description)


def fund_activity(
    fund: queries.FundRow, flows: Sequence[queries.FlowRow], names: Mapping[UUID, str]
) -> Activity:
    """``flows``: the pledges to the fund and its allocations, in the order they were made."""
    return Activity(fund.opened_at, _fund_parts(fund, flows, names))


def _fund_parts(
    fund: queries.FundRow, flows: Sequence[queries.FlowRow], names: Mapping[UUID, str]
) -> Iterator[etree._Element]:
    """Flows in: pledges; flows out: allocations (2 outgoing commitment, then 3 as disbursed)."""
    yield from _identified(
        fund.id, fund.name, "Pooled fund under annex V.3 of the ASEAN Security Community Plan of Action"
    )
    yield narrated(
        etree.Element("participating-org", ref=REPORTING_ORG, role=_FUNDER, type=_REGIONAL), _SECRETARIAT
    )
    yield etree.Element("activity-status", code="2")
    yield etree.Element("activity-date", type="2", attrib={"iso-date": fund.opened_at.date().isoformat()})
    for flow in flows:
        if flow.source_kind == "organisation":
            yield _pledged(flow, names)
            continue
        receiver = str(flow.destination_id)
        yield transaction(IATI_OUTGOING_COMMITMENT, flow, flow.usd_amount, receiver=receiver)
        if flow.usd_paid > 0:
            yield transaction(IATI_DISBURSEMENT, flow, flow.usd_paid, receiver=receiver)


def project_activity(
    project: project_queries.ProjectRow, flows: Sequence[queries.FlowRow], names: Mapping[UUID, str]
) -> Activity:
    """``flows``: the pledges and fund allocations to the project, in the order they were made."""
    return Activity(project.registered_at, _project_parts(project, flows, names))


def _project_parts(
    project: project_queries.ProjectRow, flows: Sequence[queries.FlowRow], names: Mapping[UUID, str]
) -> Iterator[etree._Element]:
    """Flows in: pledges, and fund allocations (11, then 1 as disbursed)."""
    yield from _identified(project.id, project.title, project.description or project.title)
    state = MemberState(project.member_state)
    host = etree.Element("participating-org", role=_ACCOUNTABLE, type=_GOVERNMENT)
    yield narrated(host, f"Government of {state.label}")
    for organisation in filter(None, project.implementers.split(",")):
        implementer = etree.Element("participating-org", role=_IMPLEMENTING)
        yield narrated(implementer, names.get(UUID(organisation), organisation))
    yield etree.Element("activity-status", code=ProjectStatus(project.status).iati_code)
    for code, attribute in _ACTIVITY_DATES:
        day: date | None = getattr(project, attribute)
        if day is not None:
            yield etree.Element("activity-date", type=code, attrib={"iso-date": day.isoformat()})
    yield etree.Element("recipient-country", code=state.iso2)
    sector = etree.Element("sector", vocabulary=_OWN_VOCABULARY, code=project.sector)
    yield narrated(sector, Sector(project.sector).label)
    for flow in flows:
        if flow.source_kind == "organisation":
            yield _pledged(flow, names)
            continue
        provider = names.get(flow.source_id, str(flow.source_id))
        yield transaction(IATI_INCOMING_COMMITMENT, flow, flow.usd_amount, provider=provider)
        if flow.usd_paid > 0:
            yield transaction(IATI_INCOMING_FUNDS, flow, flow.usd_paid, provider=provider)
    for result in project.results:
        yield _result(project, result)


def _pledged(flow: queries.FlowRow, names: Mapping[UUID, str]) -> etree._Element:
    """A pledge in: 13 pledge, 11 commitment, 1 funds received (what is paid of it)."""
    provider = names.get(flow.source_id, str(flow.source_id))
    if flow.usd_paid > 0:
        return transaction(IATI_INCOMING_FUNDS, flow, flow.usd_paid, provider=provider)
    if flow.status == "commitment":
        return transaction(IATI_INCOMING_COMMITMENT, flow, flow.usd_amount, provider=provider)
    return transaction(IATI_INCOMING_PLEDGE, flow, flow.usd_amount, provider=provider)


def _result(project: project_queries.ProjectRow, row: project_queries.ResultRow) -> etree._Element:
    """An output (type 1) with one indicator counted in units (measure 1), over the planned period."""
    result = etree.Element("result", type="1")
    narrated(etree.SubElement(result, "title"), row.indicator)
    ascending = "1" if row.target >= row.baseline else "0"
    indicator = etree.SubElement(result, "indicator", measure="1", ascending=ascending)
    narrated(etree.SubElement(indicator, "title"), f"{row.indicator} ({row.unit})")
    baseline_year = str(project.planned_start.year)
    etree.SubElement(indicator, "baseline", year=baseline_year, value=str(row.baseline))
    period = etree.SubElement(indicator, "period")
    etree.SubElement(period, "period-start", attrib={"iso-date": project.planned_start.isoformat()})
    etree.SubElement(period, "period-end", attrib={"iso-date": project.planned_end.isoformat()})
    etree.SubElement(period, "target", value=str(row.target))
    if row.achieved is not None:
        etree.SubElement(period, "actual", value=str(row.achieved))
    return result


def transaction(
    code: str, flow: queries.FlowRow, usd: object, *, provider: str | None = None, receiver: str | None = None
) -> etree._Element:
    element = etree.Element("transaction", ref=str(flow.id))
    etree.SubElement(element, "transaction-type", code=code)
    etree.SubElement(element, "transaction-date", attrib={"iso-date": flow.decided_on.isoformat()})
    on = flow.decided_on.isoformat()
    value = etree.SubElement(element, "value", currency="USD", attrib={"value-date": on})
    value.text = str(usd)
    if provider is not None:
        narrated(etree.SubElement(element, "provider-org"), provider)
    if receiver is not None:
        narrated(etree.SubElement(element, "receiver-org"), receiver)
    return element


def text(tag: str, value: str) -> etree._Element:
    element = etree.Element(tag)
    element.text = replace_unsafe(value)
    return element


def narrated(element: etree._Element, value: str) -> etree._Element:
    """``element`` with a ``narrative`` of ``value``; what XML cannot hold (text recorded before
    commands refused it) shown as U+FFFD, so that one title never aborts the export."""
    etree.SubElement(element, "narrative").text = replace_unsafe(value)
    return element
