"""Commands that had no page, each where its user looks for it, in a real headless Chromium against a
real `concord serve`: a match cancelled by the offering donor, by the requesting state and by the
secretariat; a movement into an area at extreme risk cleared for security before it sets out; a
need named as a safe haven's; an assessment's displacement figures recorded; part of a payment
into the fund refunded by the secretariat.

Each control shows only where the policy (`me.permissions`) lets the principal use it; each submission
carries one Idempotency-Key and the page reads after it with Concord-Consistent-With; axe-core
finds no serious or critical violation, at 1,440 px and 420 px."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, Request, expect

from tests.e2e import test_workbench
from tests.e2e.test_served import graphql, today
from tests.e2e.test_workbench import Served
from tests.e2e.test_workbench_field import checked
from tests.e2e.test_workbench_secretariat import dev_token

served = test_workbench.served
page = test_workbench.page

WORLD = "query { crises { id } organisations { edges { node { id } } } }"
NEED = "mutation($i: PostRequestInput!) { postRequest(input: $i) { request { id } } }"
OFFER = "mutation($i: PostOfferInput!) { postOffer(input: $i) { offer { id } } }"
PROPOSE = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { match { id } } }"
ACCEPT = "mutation($i: AcceptMatchInput!) { acceptMatch(input: $i) { match { id } } }"
MATCH = "query($id: ID!) { match(id: $id) { status reason } }"
INCIDENT = "mutation($i: ReportIncidentInput!) { reportIncident(input: $i) { position } }"
PLAN = "mutation($i: PlanMovementInput!) { planMovement(input: $i) { movement { id } } }"
VOLUNTARY = "mutation($i: ConfirmVoluntarinessInput!) { confirmVoluntariness(input: $i) { position } }"
APPROVE = "mutation($i: MovementInput!) { approveMovement(input: $i) { position } }"
MOVEMENT = "query { movements(memberState: [PHL]) { status clearedRisk } }"
DESIGNATE = "mutation($i: DesignateSafeHavenInput!) { designateSafeHaven(input: $i) { position } }"
NEED_HAVEN = "query($id: ID!) { request(id: $id) { safeHaven { name } } }"
OPEN_FUND = "mutation($i: OpenFundInput!) { openFund(input: $i) { fund { id } } }"
PLEDGE = "mutation($i: MakePledgeInput!) { makePledge(input: $i) { pledge { id } } }"
COMMIT = "mutation($i: CommitPledgeInput!) { commitPledge(input: $i) { position } }"
PAY = "mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { position } }"
FUNDS = "query { funds { received refunded } pledges { edges { node { paid status } } } }"
FIGURES = "query { displacement(memberState: [PHL]) { adminCode asOf displaced returned resettled } }"


@dataclass
class Traffic:
    """The named operations the page sent, in order, with their headers."""

    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def watch(self, request: Request) -> None:
        if request.url.endswith("/graphql") and request.method == "POST":
            body = json.loads(request.post_data or "{}")
            self.sent.append((body.get("operationName") or "", request.headers))

    def keys_of(self, operation: str) -> list[str]:
        return [headers.get("idempotency-key", "") for name, headers in self.sent if name == operation]

    def read_after(self, operation: str) -> bool:
        """Whether a read after the command waited for its position."""
        names = [name for name, _ in self.sent]
        if operation not in names:
            return False
        later = self.sent[names.index(operation) + 1 :]
        return any("concord-consistent-with" in headers for _, headers in later)


class World:
    """The parties around the page, acting through the API with development tokens."""

    def __init__(self, served: Served) -> None:
        self.served = served
        found = graphql(served.base, WORLD, {}, served.viewer)
        self.crisis = found["crises"][0]["id"]
        self.organisation = found["organisations"]["edges"][0]["node"]["id"]
        self.philippines = dev_token(served, role="coordinator", memberState="PHL")
        self.donor = dev_token(served, role="donor", organisationId=self.organisation)
        self.secretariat = dev_token(served, role="secretariat")

    def call(self, document: str, variables: dict[str, Any], token: str) -> Any:
        return graphql(self.served.base, document, {"i": variables}, token)

    def need(self, title: str) -> str:
        values = {
            "crisisId": self.crisis, "memberState": "PHL", "sector": "SHL", "item": "SHL-TARP",
            "title": title, "quantity": "500", "unit": "piece", "priority": 4,
            "neededBy": (today() + timedelta(days=20)).isoformat(), "adminCode": "PH1536",
        }  # fmt: skip
        return str(self.call(NEED, values, self.philippines)["postRequest"]["request"]["id"])

    def match(self, title: str, *, accepted: bool = False) -> str:
        """A need of the Philippines, JICA's tarpaulins for it, and the secretariat's proposal."""
        offer = {
            "crisisId": self.crisis, "sector": "SHL", "item": "SHL-TARP", "quantity": "300",
            "unit": "piece", "availableFrom": today().isoformat(),
            "availableUntil": (today() + timedelta(days=90)).isoformat(), "serves": ["PHL"],
            "deliveryMode": "IN_KIND",
        }  # fmt: skip
        offered = self.call(OFFER, offer, self.donor)["postOffer"]["offer"]["id"]
        proposal = {"requestId": self.need(title), "offerId": offered, "quantity": "200"}
        match = str(self.call(PROPOSE, proposal, self.secretariat)["proposeMatch"]["match"]["id"])
        if accepted:
            self.call(ACCEPT, {"id": match}, self.philippines)
        return match

    def approved_movement_into_danger(self) -> None:
        """Twelve people to be moved into PH153617 once approved, where armed clashes were just reported."""
        on = today()
        incident = {
            "memberState": "PHL", "adminCode": "PH153617", "occurredOn": on.isoformat(),
            "kind": "ARMED_CLASHES", "severity": "EXTREME", "description": "Clashes on the Saduc road.",
        }  # fmt: skip
        self.call(INCIDENT, incident, self.philippines)
        plan = {
            "crisisId": self.crisis, "kind": "IDP_RETURN",
            "origin": {"country": "PHL", "adminCode": "PH153601"},
            "destination": {"country": "PHL", "adminCode": "PH153617"},
            "group": [{"sex": "FEMALE", "ageGroup": "AGE_18_59", "people": 12}],
            "plannedDeparture": on.isoformat(), "plannedArrival": (on + timedelta(days=1)).isoformat(),
        }  # fmt: skip
        movement = self.call(PLAN, plan, self.philippines)["planMovement"]["movement"]["id"]
        voluntary = {
            "id": movement, "confirmedBy": "UNHCR Iligan", "method": "INDIVIDUAL_INTERVIEWS",
            "confirmedOn": on.isoformat(),
        }  # fmt: skip
        self.call(VOLUNTARY, voluntary, self.philippines)
        self.call(APPROVE, {"id": movement}, self.philippines)

    def safe_haven(self, name: str, admin_code: str) -> None:
        haven = {
            "crisisId": self.crisis, "memberState": "PHL", "name": name, "adminCode": admin_code,
            "latitude": "8.0034", "longitude": "124.2928", "capacityDay": 200,
        }  # fmt: skip
        self.call(DESIGNATE, haven, self.philippines)

    def paid_into_the_fund(self) -> None:
        """JICA pledges ¥1,000,000 to the Stability Fund, commits it and pays it all today."""
        fund = self.call(OPEN_FUND, {"name": "ASEAN Stability Fund"}, self.secretariat)["openFund"]["fund"][
            "id"
        ]
        on = today().isoformat()
        pledge = {
            "destinationKind": "FUND", "destinationId": fund, "amount": "1000000", "currency": "JPY",
            "usdRate": "0.0066", "rateDate": on, "earmarking": "UNEARMARKED",
        }  # fmt: skip
        pledged = self.call(PLEDGE, pledge, self.donor)["makePledge"]["pledge"]["id"]
        self.call(COMMIT, {"id": pledged, "dueDate": on}, self.donor)
        payment = {
            "id": pledged,
            "amount": "1000000",
            "usdRate": "0.0066",
            "rateDate": on,
            "paidOn": on,
        }
        self.call(PAY, payment, self.donor)

    def status_of(self, match: str) -> Any:
        return graphql(self.served.base, MATCH, {"id": match}, self.served.viewer)["match"]


def sign_in(page: Page, served: Served, token: str, path: str) -> Traffic:
    """Into the tab's storage as the sign-in page leaves it, then to ``path``; watches its traffic."""
    page.goto(f"{served.base}/workbench/signed-out")
    page.evaluate("token => sessionStorage.setItem('concord.token', token)", token)
    traffic = Traffic()
    page.on("request", traffic.watch)
    page.goto(f"{served.base}{path}")
    return traffic


def test_a_donor_cancels_a_match_of_its_offer_before_dispatch(served: Served, page: Page) -> None:
    world = World(served)
    match = world.match("Tarpaulins for Saduc")
    traffic = sign_in(page, served, world.donor, "/workbench/deliveries")
    row = page.locator("#matches-body tr", has_text="Tarpaulins for Saduc")
    expect(row).to_contain_text("Proposed: waiting for the requesting state")
    findings = checked(page, served, "actions-donor-matches")

    row.get_by_label("Why").fill("Proposed from the wrong warehouse")
    row.get_by_role("button", name="Cancel").click()
    expect(row).to_contain_text("Cancelled")
    expect(page.locator("#done")).to_have_text("Cancelled: 200 piece for Tarpaulins for Saduc.")

    assert findings == []
    assert world.status_of(match) == {"status": "CANCELLED", "reason": "Proposed from the wrong warehouse"}
    [key] = traffic.keys_of("CancelMatch")
    assert key
    assert traffic.read_after("CancelMatch")


def test_the_requesting_state_cancels_an_accepted_match(served: Served, page: Page) -> None:
    world = World(served)
    match = world.match("Tarpaulins for Marawi", accepted=True)
    traffic = sign_in(page, served, world.philippines, "/workbench/decisions")
    row = page.locator("#underway-body tr", has_text="Tarpaulins for Marawi")
    expect(row).to_contain_text("Accepted: the offering party confirms next")
    row.get_by_role("button", name="Cancel").click()
    refused = row.locator(".field-error").inner_text()  # the reason is required: checked before sending
    findings = checked(page, served, "actions-decisions")

    row.get_by_label("Why").fill("The families were moved to Iligan")
    row.get_by_role("button", name="Cancel").click()
    expect(page.locator("#done")).to_have_text(
        "Cancelled: 200 piece for Tarpaulins for Marawi from JICA. Its quantities are released."
    )
    expect(page.locator("#underway-count")).to_have_text("No matches under way.")

    assert findings == []
    assert refused
    assert world.status_of(match)["status"] == "CANCELLED"
    assert len(traffic.keys_of("CancelMatch")) == 1
    assert traffic.read_after("CancelMatch")


def test_the_secretariat_cancels_a_match_from_the_desk_and_a_viewer_is_offered_none(
    served: Served, page: Page
) -> None:
    world = World(served)
    match = world.match("Tarpaulins for Balo-i", accepted=True)
    traffic = sign_in(page, served, world.secretariat, "/workbench/desk")
    row = page.locator("#underway-body tr", has_text="Tarpaulins for Balo-i")
    expect(row).to_contain_text("Accepted: awaiting the offering party")
    findings = checked(page, served, "actions-desk")

    row.get_by_label("Why").fill("Duplicate of the round's proposal")
    row.get_by_role("button", name="Cancel").click()
    expect(page.locator("#done")).to_contain_text("Cancelled: 200 piece from JICA for Tarpaulins for Balo-i.")
    expect(page.locator("#underway-count")).to_have_text("No match is waiting for dispatch.")
    sign_in(page, served, served.viewer, "/workbench/desk")
    expect(page.locator("#not-for-role")).to_be_visible()

    assert findings == []
    assert world.status_of(match)["status"] == "CANCELLED"
    assert len(traffic.keys_of("CancelMatch")) == 1
    assert traffic.read_after("CancelMatch")
    assert page.locator("#underway").is_hidden()


def test_a_movement_into_an_area_at_extreme_risk_sets_out_once_cleared_for_security(
    served: Served, page: Page
) -> None:
    world = World(served)
    world.approved_movement_into_danger()
    traffic = sign_in(page, served, world.philippines, "/workbench/movements")
    expect(page.locator("#clearance-risk")).to_have_text(
        "The destination is at extreme risk. It may not set out without a clearance."
    )
    page.click("#start button[type=submit]")
    expect(page.locator("#start-problem")).to_have_text(
        "The area is at the highest risk level: a security clearance is needed first."
    )
    page.click("#clearance button[type=submit]")
    unstated = page.locator("#clearance-conditions-error").inner_text()
    findings = checked(page, served, "actions-movements")

    page.fill("#clearance-conditions", "Escort by the 103rd Brigade; daylight only, by the national road")
    page.click("#clearance button[type=submit]")
    cleared = "Cleared for security at extreme risk, under the conditions given."
    expect(page.locator("#done")).to_have_text(cleared)
    expect(page.locator("#clearance-risk")).to_contain_text("cleared at extreme risk")
    page.click("#start button[type=submit]")
    expect(page.locator("#done")).to_have_text("The group is on its way.")

    assert findings == []
    assert unstated
    assert graphql(served.base, MOVEMENT, {}, world.secretariat)["movements"] == [
        {"status": "IN_TRANSIT", "clearedRisk": "EXTREME"}
    ]
    assert len(traffic.keys_of("ClearForSecurity")) == 1
    assert traffic.read_after("ClearForSecurity")


def test_a_coordinator_names_the_safe_haven_whose_population_a_need_serves(
    served: Served, page: Page
) -> None:
    world = World(served)
    world.safe_haven("Saduc evacuation centre", "PH153617")
    world.safe_haven("Balo-i gymnasium", "PH153601")
    need = world.need("Hygiene kits")
    traffic = sign_in(page, served, world.philippines, f"/workbench/need?id={need}")
    expect(page.locator("#link-now")).to_have_text("Not linked to a safe haven.")
    expect(page.locator("#link-safeHavenId option")).to_have_count(3)

    page.select_option("#link-safeHavenId", label="Saduc evacuation centre")
    page.click("#link button[type=submit]")
    expect(page.locator("#done")).to_have_text(
        "Linked: these are now the needs of Saduc evacuation centre's population."
    )
    expect(page.locator("#summary")).to_contain_text("for Saduc evacuation centre")
    page.select_option("#link-safeHavenId", label="Saduc evacuation centre")
    page.click("#link button[type=submit]")
    expect(page.locator("#link-safeHavenId-error")).to_have_text(
        "the request is already linked to this safe haven"
    )
    findings = checked(page, served, "actions-need")
    sign_in(
        page, served, dev_token(served, role="coordinator", memberState="THA"), f"/workbench/need?id={need}"
    )
    expect(page.locator("#status")).to_have_text("Open")

    assert findings == []
    assert graphql(served.base, NEED_HAVEN, {"id": need}, served.viewer)["request"] == {
        "safeHaven": {"name": "Saduc evacuation centre"}
    }
    assert len(set(traffic.keys_of("LinkRequestToSafeHaven"))) == 2  # two submissions, a key each
    assert traffic.read_after("LinkRequestToSafeHaven")
    assert page.locator("#link").is_hidden()  # another state's coordinator is offered no link


def test_a_coordinator_records_an_assessments_displacement_figures_checked_as_typed(
    served: Served, page: Page
) -> None:
    world = World(served)
    traffic = sign_in(page, served, world.philippines, "/workbench/safe-havens")
    expect(page.locator("#no-figures")).to_be_visible()
    page.select_option("#figures-crisisId", label="Marawi displacement")
    page.fill("#figures-adminCode", "th15")
    foreign = page.locator("#figures-adminCode-error").inner_text()
    page.fill("#figures-adminCode", "ph153617")
    page.fill("#figures-asOf", (today() + timedelta(days=2)).isoformat())
    page.fill("#figures-displaced", "1250")
    page.fill("#figures-returned", "300")
    page.fill("#figures-resettled", "40")
    page.fill("#figures-source", "IOM DTM round 4 baseline assessment")
    page.click("#figures button[type=submit]")
    future = page.locator("#figures-asOf-error").inner_text()
    on = today().isoformat()
    page.fill("#figures-asOf", on)
    page.click("#figures button[type=submit]")
    expect(page.locator("#done")).to_have_text(f"Recorded the figures of PH153617 as of {on}.")
    expect(page.locator("#displacement-body tr")).to_contain_text("1,250")
    findings = checked(page, served, "actions-havens")

    assert findings == []
    assert "A P-code of Philippines" in foreign
    assert future  # not after today: checked before it is sent
    assert graphql(served.base, FIGURES, {}, world.secretariat)["displacement"] == [
        {
            "adminCode": "PH153617",
            "asOf": on,
            "displaced": 1250,
            "returned": 300,
            "resettled": 40,
        }
    ]
    assert len(traffic.keys_of("RecordDisplacementFigures")) == 1
    assert traffic.read_after("RecordDisplacementFigures")


def test_the_secretariat_refunds_part_of_a_payment_refused_at_the_amount_beyond_it(
    served: Served, page: Page
) -> None:
    world = World(served)
    world.paid_into_the_fund()
    traffic = sign_in(page, served, world.secretariat, "/workbench/pledges")
    expect(page.locator("#paid-count")).to_have_text("1 pledge with payments")
    page.select_option(
        "#refund-pledgeId", label="JICA: 1,000,000 of 1,000,000 JPY paid to ASEAN Stability Fund"
    )
    expect(page.locator("#refund-paymentId option")).to_have_count(2)
    page.select_option("#refund-paymentId", index=1)
    expect(page.locator("#refund-amount-hint")).to_have_text("At most 1,000,000 JPY remain of this payment.")
    page.fill("#refund-amount", "250,000")
    malformed = page.locator("#refund-amount-error").inner_text()
    page.fill("#refund-amount", "2000000")
    page.fill("#refund-reason", "The activity it paid for was cancelled")
    page.click("#refund button[type=submit]")
    expect(page.locator("#refund-amount-error")).to_have_text("only 1000000 JPY of that payment remain")
    findings = checked(page, served, "actions-refunds")

    page.fill("#refund-amount", "250000")
    page.click("#refund button[type=submit]")
    expect(page.locator("#done")).to_have_text("Refunded 250,000 JPY to JICA.")
    expect(page.locator("#paid-body tr")).to_contain_text("750,000 JPY")
    sign_in(page, served, world.donor, "/workbench/pledges")
    expect(page.locator("#pledges-body tr")).to_have_count(1)

    assert findings == []
    assert "at most 2 decimal places" in malformed
    assert graphql(served.base, FUNDS, {}, world.secretariat) == {
        "funds": [{"received": "6600", "refunded": "1650"}],
        "pledges": {"edges": [{"node": {"paid": "750000", "status": "PARTIALLY_PAID"}}]},
    }
    assert len(set(traffic.keys_of("RefundPayment"))) == 2  # refused, then recorded: a key each
    assert traffic.read_after("RefundPayment")
    assert page.locator("#refunds").is_hidden()  # a donor is offered no refund
