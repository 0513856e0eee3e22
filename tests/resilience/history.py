"""A log that touches every projector, written through the command service as users would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.access import Role
from domain.codes import MemberState, Sector
from domain.funds import FundWindow
from domain.money import Conversion
from domain.offers import DeliveryMode, Terms
from domain.organisations import OrganisationType
from domain.pledges import DestinationKind, Earmarking
from services.coordination import Command, Concord
from services.identity.access import Principal
from tests.factories import a_need

SECRETARIAT = Command(Principal("officer@asean.org", Role.SECRETARIAT))
PHL = Command(Principal("maria@dswd.gov.ph", Role.COORDINATOR, MemberState.PHL))
USD = Conversion(Decimal(1), date(2026, 11, 20))


def offer_terms(quantity: int) -> Terms:
    return Terms(
        sector=Sector.SHL,
        item="SHL-TARP",
        quantity=Decimal(quantity),
        unit="piece",
        available_from=date(2026, 11, 20),
        available_until=date(2027, 3, 31),
        serves=frozenset({MemberState.PHL}),
        delivery_mode=DeliveryMode.IN_KIND,
    )


@dataclass
class World:
    """The ids a load or a check needs: a crisis, a donor, a funded Stability Fund, an offer."""

    crisis: UUID
    donor: Command
    fund: UUID
    offer: UUID
    requests: list[UUID]


def funded_world(concord: Concord, *, fund_usd: int, offer_quantity: int, requests: int) -> World:
    """A crisis with requests, one donor's offer, and a fund holding ``fund_usd`` dollars."""
    crisis = concord.open_crisis(SECRETARIAT, "Marawi", [MemberState.PHL], date(2026, 11, 1)).aggregate.id
    organisation = concord.register_organisation(
        SECRETARIAT, "Japan Platform", OrganisationType.NGO
    ).aggregate.id
    donor = Command(Principal("kenji@japanplatform.org", Role.DONOR, organisation_id=organisation))
    fund = concord.open_fund(SECRETARIAT, "ASEAN Stability Fund").aggregate.id
    pledge = concord.make_pledge(
        donor,
        destination_kind=DestinationKind.FUND,
        destination_id=fund,
        amount=Decimal(fund_usd),
        currency="USD",
        conversion=USD,
        earmarking=Earmarking.UNEARMARKED,
    ).aggregate.id
    concord.commit_pledge(donor, pledge, date(2027, 1, 31), "JP/2026/1")
    concord.record_payment(donor, pledge, Decimal(fund_usd), USD, date(2026, 12, 1))
    offer = concord.post_offer(donor, crisis, offer_terms(offer_quantity)).aggregate.id
    posted = [
        concord.post_request(
            PHL, crisis, MemberState.PHL, a_need(quantity=Decimal(100), admin_code=f"PH{1500 + i}")
        ).aggregate.id
        for i in range(requests)
    ]
    return World(crisis, donor, fund, offer, posted)


def varied_history(concord: Concord) -> int:
    """Every kind of read model gets rows, changes and removals; returns the last position."""
    world = funded_world(concord, fund_usd=50_000, offer_quantity=300, requests=12)
    for index, request in enumerate(world.requests):
        if index % 3 == 0:
            concord.amend_request(PHL, request, priority=5)
        if index % 5 == 4:
            concord.cancel_request(PHL, request, "duplicate")
    for request in world.requests[:4]:
        match = concord.propose_match(PHL, request, world.offer, Decimal(40)).aggregate.id
        concord.accept_match(PHL, match)
    for request in world.requests[6:8]:
        concord.allocate_from_fund(
            SECRETARIAT,
            world.fund,
            window=FundWindow.STANDARD,
            destination_kind=DestinationKind.REQUEST,
            destination_id=request,
            usd_amount=Decimal(7_500),
            rationale="shelter before the monsoon",
        )
    haven = concord.designate_safe_haven(
        PHL,
        world.crisis,
        MemberState.PHL,
        name="Marawi City Hall",
        admin_code="PH1536",
        latitude=Decimal("8.0034"),
        longitude=Decimal("124.2839"),
        capacity_day=400,
    ).aggregate.id
    concord.admit_to_safe_haven(PHL, haven, 120)
    return concord.record_departure(PHL, haven, 20).position
