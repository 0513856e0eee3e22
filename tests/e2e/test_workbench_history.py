"""Any object's history in Chromium, on SQLite and PostgreSQL: a coordinator amends a need's title,
opens its history from the need's page, sees who changed what (before → after), pages through
"Show more", and sees the need as it stood before the amendment; a safe haven's history opens from
the safe havens page. A donor opens a pledge's history from the pledges page and sees the pledge
before its commitment; a coordinator a movement's, and a viewer the same movement without its
exact places, its small counts or who changed it. axe-core on the page; screenshots of it."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from domain.access import Role
from domain.codes import MemberState
from services.identity.tokens import DevSigner
from services.settings import Settings
from tests.e2e import test_workbench
from tests.e2e.test_served import graphql, today
from tests.e2e.test_workbench import Served, keep, serious_violations, sign_in_as_coordinator
from tests.e2e.test_workbench_coordinator_needs import Parties
from tests.e2e.test_workbench_donor import sign_in_as_donor
from tests.e2e.test_workbench_money import sign_in_as

served = test_workbench.served  # the fixtures: a served Concord with a crisis, and a page in Chromium
page = test_workbench.page

AMEND = "mutation($i: AmendRequestInput!) { amendRequest(input: $i) { position } }"
SETTING = "{ crises { id } organisations { edges { node { id } } } }"
PLEDGE = "mutation($i: MakePledgeInput!) { makePledge(input: $i) { pledge { id } } }"
COMMIT = "mutation($i: CommitPledgeInput!) { commitPledge(input: $i) { position } }"
PLAN = "mutation($i: PlanMovementInput!) { planMovement(input: $i) { movement { id } } }"
CONFIRM = "mutation($i: ConfirmVoluntarinessInput!) { confirmVoluntariness(input: $i) { position } }"


def test_a_coordinator_reads_a_needs_history_and_the_need_as_it_stood(served: Served, page: Page) -> None:
    parties = Parties(served)
    need = parties.need("Tarpaulins for Saduc returnees", "500")
    parties.safe_haven("Saduc evacuation centre")
    sign_in_as_coordinator(page, served)
    page.goto(f"{served.base}/workbench/need?id={need}")
    expect(page.locator("#amend-title")).to_have_value("Tarpaulins for Saduc returnees")
    page.fill("#amend-title", "Tarpaulins and rope for Saduc returnees")
    page.click("#amend button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Amended")
    for priority in [1, 2, 3, 4, 5] * 2:
        parties.call(AMEND, {"id": need, "priority": priority}, parties.phl)

    page.click("#history-link")
    page.wait_for_url(re.compile(r"/workbench/history\?kind=request&id="))
    expect(page.locator("h1")).to_have_text("History of Tarpaulins and rope for Saduc returnees")
    entries = page.locator(".history-entry")
    expect(entries).to_have_count(10)
    page.click("#more")
    expect(entries).to_have_count(12)
    expect(page.locator("#more")).to_be_hidden()
    expect(page.locator("#shown")).to_have_text("12 of 12 changes shown.")
    amended = entries.nth(1)
    expect(amended).to_contain_text("Amended")
    expect(amended).to_contain_text("Relief coordinator · Philippines")
    expect(amended.locator(".changes li")).to_have_text(
        "title: Tarpaulins for Saduc returnees → Tarpaulins and rope for Saduc returnees"
    )
    entries.nth(0).get_by_role("button", name="As it stood after this").click()
    expect(page.locator("#then")).to_contain_text("Tarpaulins for Saduc returnees")
    expect(page.locator("#then")).not_to_contain_text("rope")
    keep(page, served, "history")
    findings = serious_violations(page)
    page.fill("#asOf", "2020-01-01T00:00:00.000")
    page.click("#moment button[type=submit]")
    expect(page.locator("#asOf-error")).to_have_text("The need did not exist yet at that moment.")

    page.goto(f"{served.base}/workbench/safe-havens")
    page.get_by_role("link", name="History of Saduc evacuation centre").click()
    expect(page.locator("h1")).to_have_text("History of Saduc evacuation centre")
    expect(entries).to_have_count(1)
    expect(entries.nth(0)).to_contain_text("Designated")
    entries.nth(0).get_by_role("button", name="As it stood after this").click()
    expect(page.locator("#then")).to_contain_text("PH153617")
    page.set_viewport_size({"width": 420, "height": 900})
    keep(page, served, "history-safe-haven-narrow")

    assert findings == []


def the_moment_before_it_existed(page: Page, noun: str) -> None:
    page.fill("#asOf", "2020-01-01T00:00:00.000")
    page.click("#moment button[type=submit]")
    expect(page.locator("#asOf-error")).to_have_text(f"The {noun} did not exist yet at that moment.")


def a_committed_pledge_and_a_confirmed_movement(served: Served, settings: Settings) -> dict[str, str]:
    """JICA pledges ¥250,000 to the crisis and commits it; the Philippines plans a return of 120
    people (3 of them unaccompanied children) and confirms it is voluntary. Tokens from the signer."""
    signer = DevSigner(settings.data_dir, settings.auth_audience)
    found = graphql(served.base, SETTING, {}, served.viewer)
    crisis, organisation = found["crises"][0]["id"], found["organisations"]["edges"][0]["node"]["id"]
    donor = signer.issue(subject="aiko@jica.go.jp", role=Role.DONOR, organisation_id=organisation)
    phl = signer.issue(subject="maria@dswd.gov.ph", role=Role.COORDINATOR, member_state=MemberState.PHL)
    pledge = {
        "destinationKind": "CRISIS", "destinationId": crisis, "amount": "250000", "currency": "JPY",
        "usdRate": "0.0066", "rateDate": today().isoformat(), "earmarking": "EARMARKED",
    }  # fmt: skip
    pledge_id = graphql(served.base, PLEDGE, {"i": pledge}, donor)["makePledge"]["pledge"]["id"]
    due = (today() + timedelta(days=60)).isoformat()
    graphql(served.base, COMMIT, {"i": {"id": pledge_id, "dueDate": due}}, donor)
    leaving = (today() + timedelta(days=5)).isoformat()
    movement = {
        "crisisId": crisis, "kind": "IDP_RETURN",
        "origin": {"country": "PHL", "adminCode": "PH153601"},
        "destination": {"country": "PHL", "adminCode": "PH153602"},
        "group": [{"sex": "FEMALE", "ageGroup": "AGE_5_17", "people": 20},
                  {"sex": "FEMALE", "ageGroup": "AGE_18_59", "people": 40},
                  {"sex": "MALE", "ageGroup": "AGE_18_59", "people": 60}],
        "vulnerable": [{"group": "UNACCOMPANIED_OR_SEPARATED_CHILDREN", "people": 3}],
        "plannedDeparture": leaving, "plannedArrival": (today() + timedelta(days=7)).isoformat(),
    }  # fmt: skip
    movement_id = graphql(served.base, PLAN, {"i": movement}, phl)["planMovement"]["movement"]["id"]
    voluntary = {"id": movement_id, "confirmedBy": "UNHCR Iligan", "method": "GO_AND_SEE_VISIT",
                 "confirmedOn": today().isoformat()}  # fmt: skip
    graphql(served.base, CONFIRM, {"i": voluntary}, phl)
    return {"due": due, "leaving": leaving}


def a_donor_reads_the_pledges_history(page: Page, served: Served, due: str) -> list[str]:
    entries, then = page.locator(".history-entry"), page.locator("#then")
    sign_in_as_donor(page, served)
    page.goto(f"{served.base}/workbench/pledges")
    page.get_by_role("link", name="History of the pledge of 250,000 JPY").click()
    page.wait_for_url(re.compile(r"/workbench/history\?kind=pledge&id="))
    expect(page.locator("h1")).to_have_text("History of the pledge of 250,000 JPY")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("Made")
    expect(entries.nth(1)).to_contain_text("Committed")
    expect(entries.nth(1)).to_contain_text("Donor · JICA (aiko@jica.go.jp)")
    expect(entries.nth(1).locator(".changes li")).to_have_text(
        ["status: pledged → committed", f"dueDate: — → {due}"]
    )
    entries.nth(0).get_by_role("button", name="As it stood after this").click()
    expect(then).to_contain_text("StatusPledged")
    expect(then).to_contain_text("Due date—")
    expect(page.locator("#back")).to_have_attribute("href", "/workbench/pledges")
    keep(page, served, "history-pledge")
    findings = [f"pledge: {finding}" for finding in serious_violations(page)]
    the_moment_before_it_existed(page, "pledge")
    page.click("#signout")
    return findings


def a_coordinator_reads_the_movements_history(page: Page, served: Served, leaving: str) -> list[str]:
    entries, then = page.locator(".history-entry"), page.locator("#then")
    sign_in_as_coordinator(page, served)
    page.goto(f"{served.base}/workbench/movements")
    page.locator("#movements-body").get_by_role("link", name=re.compile(r"^History of Return of 120")).click()
    expect(page.locator("h1")).to_have_text(f"History of the return of 120 people leaving {leaving}")
    expect(entries).to_have_count(2)
    expect(entries.nth(1)).to_contain_text("Voluntariness confirmed")
    expect(entries.nth(1)).to_contain_text("Relief coordinator · Philippines (maria@dswd.gov.ph)")
    expect(entries.nth(0)).to_contain_text("destinationAdminCode: — → PH153602")
    expect(entries.nth(0)).to_contain_text("vulnerable[unaccompanied-or-separated-children]: — → 3")
    entries.nth(0).get_by_role("button", name="As it stood after this").click()
    expect(then).to_contain_text("StatusPlanned")
    expect(then).to_contain_text("Going to (admin area)PH153602")
    expect(then).to_contain_text("Voluntariness—")
    page.set_viewport_size({"width": 420, "height": 900})
    keep(page, served, "history-movement-narrow")
    findings = [f"movement: {finding}" for finding in serious_violations(page)]
    if page.evaluate("document.documentElement.scrollWidth") > 420:
        findings.append("movement: the history page scrolls sideways at 420 px")
    page.set_viewport_size({"width": 1440, "height": 1000})
    the_moment_before_it_existed(page, "movement")
    return findings


def test_a_pledges_and_a_movements_history_and_their_past_as_each_caller_may_see_them(
    served: Served, page: Page, settings: Settings
) -> None:
    made = a_committed_pledge_and_a_confirmed_movement(served, settings)
    entries, then = page.locator(".history-entry"), page.locator("#then")
    place = re.compile(r"PH15360[12]")

    findings = a_donor_reads_the_pledges_history(page, served, made["due"])
    findings += a_coordinator_reads_the_movements_history(page, served, made["leaving"])
    history = page.url.removeprefix(served.base)
    page.click("#signout")
    sign_in_as(page, served, history, "viewer")

    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("Not shown to you")
    expect(entries.nth(0)).to_contain_text("people: — → 120")
    expect(entries.nth(0)).not_to_contain_text(place)
    expect(entries.nth(0)).not_to_contain_text("vulnerable")
    entries.nth(0).get_by_role("button", name="As it stood after this").click()
    expect(then).to_contain_text("Going to (admin area)—")
    expect(then).not_to_contain_text(place)
    keep(page, served, "history-movement-viewer")
    assert findings == []


OFFER = "mutation($i: PostOfferInput!) { postOffer(input: $i) { offer { id } } }"
NEED = "mutation($i: PostRequestInput!) { postRequest(input: $i) { request { id } } }"
PROPOSE = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { match { id } } }"
OPEN_FUND = "mutation($i: OpenFundInput!) { openFund(input: $i) { fund { id } } }"
REGISTER_PROJECT = "mutation($i: RegisterProjectInput!) { registerProject(input: $i) { project { id } } }"


def an_offer_a_match_a_fund_and_a_project(served: Served, settings: Settings) -> None:
    signer = DevSigner(settings.data_dir, settings.auth_audience)
    found = graphql(served.base, SETTING, {}, served.viewer)
    crisis, organisation = found["crises"][0]["id"], found["organisations"]["edges"][0]["node"]["id"]
    donor = signer.issue(subject="aiko@jica.go.jp", role=Role.DONOR, organisation_id=organisation)
    phl = signer.issue(subject="maria@dswd.gov.ph", role=Role.COORDINATOR, member_state=MemberState.PHL)
    secretariat = signer.issue(subject="officer@asean.org", role=Role.SECRETARIAT)
    offer = {
        "crisisId": crisis, "sector": "SHL", "item": "SHL-TARP", "quantity": "1000", "unit": "piece",
        "availableFrom": today().isoformat(), "availableUntil": (today() + timedelta(days=90)).isoformat(),
        "serves": ["PHL"], "deliveryMode": "IN_KIND",
    }  # fmt: skip
    offer_id = graphql(served.base, OFFER, {"i": offer}, donor)["postOffer"]["offer"]["id"]
    need = {
        "crisisId": crisis, "memberState": "PHL", "sector": "SHL", "item": "SHL-TARP",
        "title": "Tarpaulins for Marawi returnees", "quantity": "500", "unit": "piece", "priority": 4,
        "neededBy": (today() + timedelta(days=20)).isoformat(), "adminCode": "PH1536",
    }  # fmt: skip
    need_id = graphql(served.base, NEED, {"i": need}, phl)["postRequest"]["request"]["id"]
    proposal = {"requestId": need_id, "offerId": offer_id, "quantity": "50"}
    graphql(served.base, PROPOSE, {"i": proposal}, secretariat)
    graphql(served.base, OPEN_FUND, {"i": {"name": "ASEAN Stability Fund"}}, secretariat)
    project = {
        "crisisId": crisis, "memberState": "PHL", "title": "Rebuild Marawi's grand market", "sector": "ERY",
        "adminCode": "PH153602", "implementingOrganisations": [organisation], "budget": "25000000",
        "currency": "PHP", "usdRate": "0.0171", "rateDate": today().isoformat(),
        "plannedStart": today().isoformat(), "plannedEnd": (today() + timedelta(days=600)).isoformat(),
    }  # fmt: skip
    graphql(served.base, REGISTER_PROJECT, {"i": project}, phl)


def opens_and_shows_the_past(page: Page, link: str, title: str, first: str) -> list[str]:
    """Follows ``link`` (a link's name) to the history page and shows the object after its first change."""
    page.get_by_role("link", name=link, exact=True).click()
    page.wait_for_url(re.compile(r"/workbench/history\?kind="))
    expect(page.locator("h1")).to_have_text(f"History of {title}")
    expect(page.locator(".history-entry").first).to_contain_text(first)
    page.locator(".history-entry").first.get_by_role("button", name="As it stood after this").click()
    expect(page.locator("#then-heading")).to_contain_text("as it stood at")
    return [f"{title}: {finding}" for finding in serious_violations(page)]


def test_each_kinds_history_opens_from_where_the_object_is_listed(
    served: Served, page: Page, settings: Settings
) -> None:
    an_offer_a_match_a_fund_and_a_project(served, settings)

    sign_in_as_donor(page, served)
    findings = opens_and_shows_the_past(
        page,
        "History of the offer of 1,000 piece of SHL-TARP",
        "the offer of 1,000 piece of SHL-TARP",
        "Posted",
    )
    page.goto(f"{served.base}/workbench/deliveries")
    findings += opens_and_shows_the_past(
        page,
        "History of the match of 50 piece for Tarpaulins for Marawi returnees",
        "the match of 50 piece",
        "Proposed",
    )
    page.click("#signout")
    sign_in_as(page, served, "/workbench/crises", "secretariat")
    findings += opens_and_shows_the_past(
        page, "History of Marawi displacement", "Marawi displacement", "Opened"
    )
    page.goto(f"{served.base}/workbench/fund")
    findings += opens_and_shows_the_past(
        page, "Its history, and the fund as it stood at a moment", "ASEAN Stability Fund", "Opened"
    )
    page.goto(f"{served.base}/workbench/projects")
    findings += opens_and_shows_the_past(
        page, "History of Rebuild Marawi's grand market", "Rebuild Marawi's grand market", "Registered"
    )
    keep(page, served, "history-project")

    assert findings == []
