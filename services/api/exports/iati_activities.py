"""IATI 2.03 XML parts: the Stability Fund and each reconstruction project as an activity (status,
dates, country, sector, implementers, money in and out, results), made one part at a time.

Money is reported stage by stage, each on the day it moved: a pledge (13) when made, a commitment
(11) when committed, incoming funds (1) per payment on its payment date; from a fund, an outgoing
commitment (2) per allocation and a disbursement (3) per disbursement, which the project receiving
them reports as 11 and 1. Funds and projects are named by their IATI activity identifiers, and
organisations by their IATI organisation identifiers where they are registered.

Left out on purpose: budgets (IATI wants one per period of at most a year, which Concord does not
plan) and locations (no IATI geographic vocabulary names OCHA P-codes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from lxml import etree

from domain.codes import MemberState, Sector
from domain.projects import ProjectStatus
from domain.text import replace_unsafe
from projections.finance import stability_fund as fund_queries
from projections.iati.queries import AllocationStages, PledgeStages
from projections.organisations import queries as organisation_queries
from projections.projects import queries as project_queries

REPORTING_ORG = "XM-ASEAN-SEC"  # no registered IATI organisation identifier exists yet
IATI_INCOMING_PLEDGE, IATI_INCOMING_COMMITMENT, IATI_INCOMING_FUNDS = "13", "11", "1"
IATI_OUTGOING_COMMITMENT, IATI_DISBURSEMENT = "2", "3"
_FUNDER, _ACCOUNTABLE, _IMPLEMENTING, _GOVERNMENT, _REGIONAL = "1", "2", "4", "10", "40"
_OWN_VOCABULARY = "99"  # the reporting organisation's own: Concord's sector codes
_ACTIVITY_DATES = (("1", "planned_start"), ("2", "started_on"), ("3", "planned_end"), ("4", "ended_on"))
_SECRETARIAT = "ASEAN Secretariat"
_UNNAMED = "Unnamed organisation"  # not yet in the organisations read model


def activity_identifier(activity_id: UUID) -> str:
    """The IATI activity identifier of a fund or project: the reporting organisation's, then ours."""
    return f"{REPORTING_ORG}-{activity_id}"


@dataclass(frozen=True)
class Activity:
    """An ``iati-activity``'s date and its parts, made as they are written: a fund with a million
    pledges is never one tree in memory."""

    last_updated: datetime
    parts: Iterator[etree._Element]


@dataclass(frozen=True)
class Party:
    """A transaction's provider or receiver: the organisation's name, its IATI organisation identifier
    where registered, and the IATI activity the money comes from or goes to, where it is one of ours."""

    name: str
    ref: str | None = None
    activity: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class Counterparts:
    """Who is at the other end of the money: the organisations, funds and projects, by id."""

    organisations: Mapping[UUID, organisation_queries.OrganisationRow]
    funds: Mapping[UUID, fund_queries.FundRow]
    projects: Mapping[UUID, project_queries.ProjectRow]

    def organisation(self, organisation_id: UUID) -> Party:
        found = self.organisations.get(organisation_id)
        return Party(_UNNAMED) if found is None else Party(found.name, found.iati_identifier)

    def fund(self, fund_id: UUID) -> Party:
        """A fund gives as the Secretariat, which manages it, out of the fund's activity."""
        found = self.funds.get(fund_id)
        name = _SECRETARIAT if found is None else found.name
        return Party(name, REPORTING_ORG, activity_identifier(fund_id), _REGIONAL)

    def receiver(self, allocation: AllocationStages) -> Party:
        """A project receives through its lead implementer, in its own activity; a request, through
        the government of the state that made it."""
        state = MemberState(allocation.member_state) if allocation.member_state else None
        government = Party(f"Government of {state.label}" if state else _UNNAMED, type=_GOVERNMENT)
        if allocation.destination_kind != "project":
            return government
        project = self.projects.get(allocation.destination_id)
        lead = next(iter(_implementers(project)), None) if project else None
        party = government if lead is None else self.organisation(lead)
        return Party(party.name, party.ref, activity_identifier(allocation.destination_id), party.type)


def _identified(activity_id: UUID, title: str, description: str) -> Iterator[etree._Element]:
    """What every activity opens with: its identifier, the Secretariat reporting, title, description."""
    yield text("iati-identifier", activity_identifier(activity_id))
    yield narrated(etree.Element("reporting-org", ref=REPORTING_ORG, type=_REGIONAL), _SECRETARIAT)
    yield narrated(etree.Element("title"), title)
    yield narrated(etree.Element("description", type="1"), description)


def fund_activity(
    fund: fund_queries.FundRow,
    pledged: Sequence[PledgeStages],
    allocated: Sequence[AllocationStages],
    counterparts: Counterparts,
) -> Activity:
    """``pledged``: the pledges to the fund; ``allocated``: its allocations; each in the order made."""
    return Activity(fund.opened_at, _fund_parts(fund, pledged, allocated, counterparts))


def _fund_parts(
    fund: fund_queries.FundRow,
    pledged: Sequence[PledgeStages],
    allocated: Sequence[AllocationStages],
    counterparts: Counterparts,
) -> Iterator[etree._Element]:
    yield from _identified(
        fund.id, fund.name, "Pooled fund under annex V.3 of the ASEAN Security Community Plan of Action"
    )
    yield narrated(
        etree.Element("participating-org", ref=REPORTING_ORG, role=_FUNDER, type=_REGIONAL), _SECRETARIAT
    )
    yield etree.Element("activity-status", code="2")
    yield etree.Element("activity-date", type="2", attrib={"iso-date": fund.opened_at.date().isoformat()})
    for pledge in pledged:
        yield from _pledge_stages(pledge, counterparts)
    for allocation in allocated:
        receiver = counterparts.receiver(allocation)
        yield from _allocation_stages(
            allocation, IATI_OUTGOING_COMMITMENT, IATI_DISBURSEMENT, receiver=receiver
        )


def project_activity(
    project: project_queries.ProjectRow,
    pledged: Sequence[PledgeStages],
    allocated: Sequence[AllocationStages],
    counterparts: Counterparts,
) -> Activity:
    """``pledged``: the pledges to the project; ``allocated``: the funds' allocations to it."""
    return Activity(project.registered_at, _project_parts(project, pledged, allocated, counterparts))


def _project_parts(
    project: project_queries.ProjectRow,
    pledged: Sequence[PledgeStages],
    allocated: Sequence[AllocationStages],
    counterparts: Counterparts,
) -> Iterator[etree._Element]:
    yield from _identified(project.id, project.title, project.description or project.title)
    state = MemberState(project.member_state)
    host = etree.Element("participating-org", role=_ACCOUNTABLE, type=_GOVERNMENT)
    yield narrated(host, f"Government of {state.label}")
    for organisation in _implementers(project):
        party = counterparts.organisation(organisation)
        implementer = etree.Element("participating-org", role=_IMPLEMENTING)
        if party.ref:
            implementer.set("ref", party.ref)
        yield narrated(implementer, party.name)
    yield etree.Element("activity-status", code=ProjectStatus(project.status).iati_code)
    for code, attribute in _ACTIVITY_DATES:
        day: date | None = getattr(project, attribute)
        if day is not None:
            yield etree.Element("activity-date", type=code, attrib={"iso-date": day.isoformat()})
    yield etree.Element("recipient-country", code=state.iso2)
    sector = etree.Element("sector", vocabulary=_OWN_VOCABULARY, code=project.sector)
    yield narrated(sector, Sector(project.sector).label)
    for pledge in pledged:
        yield from _pledge_stages(pledge, counterparts)
    for allocation in allocated:
        provider = counterparts.fund(allocation.fund_id)
        yield from _allocation_stages(
            allocation, IATI_INCOMING_COMMITMENT, IATI_INCOMING_FUNDS, provider=provider
        )
    for result in project.results:
        yield _result(project, result)


def _implementers(project: project_queries.ProjectRow) -> list[UUID]:
    return [UUID(organisation) for organisation in project.implementers.split(",") if organisation]


def _pledge_stages(pledge: PledgeStages, counterparts: Counterparts) -> Iterator[etree._Element]:
    """A pledge in: 13 when made, 11 when committed, 1 for what each payment brought (net of refunds)."""
    provider = counterparts.organisation(pledge.organisation_id)
    usd = pledge.usd_amount
    yield transaction(IATI_INCOMING_PLEDGE, f"pledge-{pledge.id}", pledge.pledged_on, usd, provider=provider)
    if pledge.committed_on is not None:
        yield transaction(
            IATI_INCOMING_COMMITMENT, f"commitment-{pledge.id}", pledge.committed_on, usd, provider=provider
        )
    for payment in pledge.payments:
        if payment.usd_amount > 0:
            ref = f"payment-{payment.id}"
            yield transaction(
                IATI_INCOMING_FUNDS, ref, payment.paid_on, payment.usd_amount, provider=provider
            )


def _allocation_stages(
    allocation: AllocationStages,
    committed: str,
    disbursed: str,
    *,
    provider: Party | None = None,
    receiver: Party | None = None,
) -> Iterator[etree._Element]:
    """An allocation: ``committed`` when approved, ``disbursed`` for each disbursement of it."""
    yield transaction(
        committed, f"allocation-{allocation.id}", allocation.decided_on, allocation.usd_amount,
        provider=provider, receiver=receiver,
    )  # fmt: skip
    for paid in allocation.disbursements:
        yield transaction(
            disbursed, f"disbursement-{paid.id}", paid.disbursed_on, paid.usd_amount,
            provider=provider, receiver=receiver,
        )  # fmt: skip


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
    code: str,
    ref: str,
    on: date,
    usd: Decimal,
    *,
    provider: Party | None = None,
    receiver: Party | None = None,
) -> etree._Element:
    """A transaction of ``usd`` US dollars on day ``on``; ``ref`` names it within Concord."""
    element = etree.Element("transaction", ref=f"{REPORTING_ORG}-{ref}")
    etree.SubElement(element, "transaction-type", code=code)
    etree.SubElement(element, "transaction-date", attrib={"iso-date": on.isoformat()})
    value = etree.SubElement(element, "value", currency="USD", attrib={"value-date": on.isoformat()})
    value.text = str(usd)
    if provider is not None:
        narrated(
            _party(etree.SubElement(element, "provider-org"), provider, "provider-activity-id"), provider.name
        )
    if receiver is not None:
        narrated(
            _party(etree.SubElement(element, "receiver-org"), receiver, "receiver-activity-id"), receiver.name
        )
    return element


def _party(element: etree._Element, party: Party, activity_attribute: str) -> etree._Element:
    if party.ref:
        element.set("ref", party.ref)
    if party.activity:
        element.set(activity_attribute, party.activity)
    if party.type:
        element.set("type", party.type)
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
