"""The donor's workbench in a real Chromium against a real `concord serve`: a donor of a registered
organisation signs in, posts an offer, finds a need it could serve ranked with its explanation,
confirms and dispatches the match the secretariat proposed, and makes, commits and pays a pledge;
axe-core finds no serious or critical violation on any of its pages, at 1,440 px or at 420 px."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e import test_workbench
from tests.e2e.test_served import cli_token, graphql, today
from tests.e2e.test_workbench import Served, keep, serious_violations

served = test_workbench.served  # the coordinator story's server and browser, shared
page = test_workbench.page

NEED = "mutation($i: PostRequestInput!) { postRequest(input: $i) { request { id } } }"
PROPOSE = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { match { id } } }"
ACCEPT = "mutation($i: AcceptMatchInput!) { acceptMatch(input: $i) { match { status } } }"
PLEDGE = "mutation($i: MakePledgeInput!) { makePledge(input: $i) { pledge { id } } }"
COMMIT = "mutation($i: CommitPledgeInput!) { commitPledge(input: $i) { position } }"
STATE = "query($id: ID!) { match(id: $id) { status dispatched } }"


class Setting:
    """What the other parties do through the API around the donor's story."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.coordinator = cli_token(served.env, "--role", "coordinator", "--state", "PHL")
        self.secretariat = cli_token(served.env, "--role", "secretariat")
        query = "{ crises { id } organisations { edges { node { id } } } }"
        found = graphql(served.base, query, {}, served.viewer)
        self.crisis = found["crises"][0]["id"]
        self.organisation = found["organisations"]["edges"][0]["node"]["id"]
        self.donor = cli_token(served.env, "--role", "donor", "--org", self.organisation)

    def call(self, document: str, variables: dict[str, Any], token: str) -> Any:
        return graphql(self.served.base, document, {"i": variables}, token)

    def need(self, title: str) -> str:
        values = {
            "crisisId": self.crisis, "memberState": "PHL", "sector": "SHL", "item": "SHL-TARP",
            "title": title, "quantity": "500", "unit": "piece", "priority": 5,
            "neededBy": (today() + timedelta(days=20)).isoformat(), "adminCode": "PH1536",
        }  # fmt: skip
        return str(self.call(NEED, values, self.coordinator)["postRequest"]["request"]["id"])

    def overdue_pledge(self) -> None:
        """A commitment whose due date has passed, made as the donor would have made it a while ago."""
        values = {
            "destinationKind": "CRISIS", "destinationId": self.crisis, "amount": "5000",
            "currency": "USD", "usdRate": "1", "rateDate": today().isoformat(), "earmarking": "EARMARKED",
        }  # fmt: skip
        pledge = self.call(PLEDGE, values, self.donor)["makePledge"]["pledge"]["id"]
        due = (today() - timedelta(days=3)).isoformat()
        self.call(COMMIT, {"id": pledge, "dueDate": due}, self.donor)


def sign_in_as_donor(page: Page, served: Served) -> None:
    page.goto(f"{served.base}/workbench/offers")
    page.wait_for_url(re.compile(r"/workbench/sign-in\?next="))
    page.check('input[name="role"][value="donor"]')
    page.select_option("#organisationId", label="JICA")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}/workbench/offers")
    expect(page.locator(".who")).to_have_text("Signed in as Donor · JICA")


def post_offer(page: Page) -> None:
    expect(page.locator("#crisisId option")).to_have_count(2)
    page.select_option("#crisisId", label="Marawi displacement")
    page.select_option("#sector", "SHL")
    expect(page.locator("#item")).to_be_enabled()
    page.select_option("#item", "SHL-TARP")
    page.fill("#quantity", "300")
    page.fill("#availableUntil", (today() + timedelta(days=60)).isoformat())
    page.check("#serves")  # the first state listed: Brunei, which has no need
    page.check('input[name="serves"][value="PHL"]')
    page.click("#offer button[type=submit]")


def in_row(page: Page, body: str, text: str) -> Any:
    return page.locator(f"#{body} tr", has_text=text)


def offers_page(page: Page, served: Served, violations: dict[str, list[str]]) -> tuple[str, str]:
    sign_in_as_donor(page, served)
    violations["offers"] = serious_violations(page)
    post_offer(page)
    posted = page.locator("#offers-body tr.just-posted")
    expect(posted).to_contain_text("SHL-TARP")
    expect(page.locator("#done")).to_be_focused()
    keep(page, served, "donor-offers")
    return str(posted.get_attribute("data-offer")), posted.inner_text()


def could_serve_page(page: Page, served: Served, violations: dict[str, list[str]]) -> tuple[str, str]:
    page.click("nav >> text=Needs I could serve")
    first = page.locator("#serve-body tr").first
    expect(first).to_contain_text("Tarpaulins for Marawi returnees")
    expect(page.locator("#count")).to_have_text("1 open need your offers could serve")
    violations["could-serve"] = serious_violations(page)
    keep(page, served, "donor-could-serve")
    return first.inner_text(), first.locator("ol.terms").inner_text()


def matches_page(page: Page, served: Served, violations: dict[str, list[str]], accept: Any) -> str:
    page.click("nav >> text=Matches")
    row = in_row(page, "matches-body", "Tarpaulins for Marawi returnees")
    expect(row).to_contain_text("Proposed: waiting for the requesting state")
    accept()
    expect(row).to_contain_text("Accepted: confirm you will deliver")  # live, from the subscription
    row.get_by_role("button", name="Confirm").click()
    expect(row).to_contain_text("Confirmed: dispatch when it leaves")
    violations["matches"] = serious_violations(page)
    keep(page, served, "donor-matches")
    row.get_by_role("button", name="Dispatch").click()
    expect(row).to_contain_text("Dispatched")
    return page.locator("#done").inner_text()


def pledges_page(page: Page, served: Served, violations: dict[str, list[str]]) -> int:
    page.click("nav >> text=Pledges and flows")
    expect(page.locator("#overdue-count")).to_have_text("1 overdue: committed and unpaid past the due date.")
    page.select_option("#destinationId", label="Marawi displacement")
    page.fill("#amount", "1000000")
    page.fill("#currency", "jpy")
    page.fill("#usdRate", "0.0067")
    page.click("#pledge button[type=submit]")
    pledge = page.locator("#pledges-body tr.just-posted")
    expect(pledge).to_contain_text("Pledged")
    pledge.get_by_label("Due").fill((today() + timedelta(days=30)).isoformat())
    pledge.get_by_label("Agreement").fill("JICA-2026-117")
    pledge.get_by_role("button", name="Commit").click()
    expect(pledge).to_contain_text("Committed")
    pledge.get_by_label("Amount (JPY)").fill("400000")
    pledge.get_by_label("USD per unit").fill("0.0067")
    pledge.get_by_role("button", name="Record payment").click()
    expect(pledge).to_contain_text("Partly paid")
    expect(pledge).to_contain_text("400,000 JPY")
    expect(page.locator("#flow-totals")).to_contain_text("Paid so far: USD 2,680")
    violations["pledges"] = serious_violations(page)
    keep(page, served, "donor-pledges")
    page.set_viewport_size({"width": 420, "height": 900})
    violations["pledges-narrow"] = serious_violations(page)
    keep(page, served, "donor-pledges-narrow")
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_a_donor_offers_finds_a_need_delivers_its_match_and_pays_a_pledge(served: Served, page: Page) -> None:
    setting = Setting(served)
    wanted = setting.need("Tarpaulins for Marawi returnees")
    setting.overdue_pledge()
    violations: dict[str, list[str]] = {}

    offer, offered = offers_page(page, served, violations)
    need, explanation = could_serve_page(page, served, violations)
    proposal = {"requestId": wanted, "offerId": offer, "quantity": "300"}
    match = setting.call(PROPOSE, proposal, setting.secretariat)["proposeMatch"]["match"]["id"]
    done = matches_page(
        page, served, violations, lambda: setting.call(ACCEPT, {"id": match}, setting.coordinator)
    )
    width = pledges_page(page, served, violations)

    assert violations == {name: [] for name in violations}
    assert "300 piece" in offered
    assert "Philippines · PH1536" in need
    assert (
        "Coverage: 0.60 \N{MULTIPLICATION SIGN} 0.60 = 0.36 (covers 300 of the 500 piece still open)"
        in explanation
    )
    assert "Priority: multiplies by 5.00 (priority 5 of 5)" in explanation
    assert "Proximity" in explanation
    assert "Timeliness" in explanation
    assert done == "Dispatched: 300 piece for Tarpaulins for Marawi returnees."
    assert graphql(served.base, STATE, {"id": match}, served.viewer)["match"] == {
        "status": "DISPATCHED",
        "dispatched": "300",
    }
    assert width <= 420  # the lists scroll inside their regions, not the page
