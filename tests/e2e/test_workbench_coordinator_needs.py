"""A relief coordinator's needs in Chromium, on SQLite and PostgreSQL: the possible duplicate shown
before a need is posted, a need cancelled with a reason and another amended, proposals accepted and
declined, a delivery received and the need's delivered and gap figures moving; a reload in the
middle of a submission records it once. axe-core on every page; screenshots of each."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e import test_workbench
from tests.e2e.test_served import cli_token, graphql
from tests.e2e.test_workbench import Served, fill_need, keep, serious_violations, sign_in_as_coordinator

served = test_workbench.served  # the fixtures: a served Concord with a crisis, and a page in Chromium
page = test_workbench.page

POST = "mutation($i: PostRequestInput!) { postRequest(input: $i) { position request { id } } }"
POST_OFFER = "mutation($i: PostOfferInput!) { postOffer(input: $i) { offer { id } } }"
PROPOSE = "mutation($i: ProposeMatchInput!) { proposeMatch(input: $i) { match { id } } }"
STEP = "mutation($i: MatchStepInput!) {{ {0}(input: $i) {{ position match {{ status }} }} }}"
DESIGNATE = "mutation($i: DesignateSafeHavenInput!) { designateSafeHaven(input: $i) { safeHaven { id } } }"
SETTING = "query { crises { id } organisations { edges { node { id } } } }"


class Parties:
    """The other parties of the story, acting through the API as their own pages would."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.secretariat = cli_token(served.env, "--role", "secretariat")
        self.phl = cli_token(served.env, "--role", "coordinator", "--state", "PHL")
        found = graphql(served.base, SETTING, {}, self.secretariat)
        self.crisis = found["crises"][0]["id"]
        organisation = found["organisations"]["edges"][0]["node"]["id"]
        self.donor = cli_token(served.env, "--role", "donor", "--org", organisation)

    def call(self, query: str, values: dict[str, object], token: str) -> dict[str, object]:
        return graphql(self.served.base, query, {"i": values}, token)  # type: ignore[no-any-return]

    def need(self, title: str, quantity: str) -> str:
        due = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
        values = {
            "crisisId": self.crisis,
            "memberState": "PHL",
            "sector": "SHL",
            "item": "SHL-TARP",
            "title": title,
            "quantity": quantity,
            "unit": "piece",
            "priority": 4,
            "neededBy": due,
            "adminCode": "PH1536",
        }
        return str(self.call(POST, values, self.phl)["postRequest"]["request"]["id"])  # type: ignore[index]

    def safe_haven(self, name: str) -> None:
        haven = {
            "crisisId": self.crisis,
            "memberState": "PHL",
            "name": name,
            "adminCode": "PH153617",
            "latitude": "7.9986",
            "longitude": "124.2928",
            "capacityDay": 400,
        }
        self.call(DESIGNATE, haven, self.phl)

    def proposals(self, need: str, *quantities: str) -> list[str]:
        today = datetime.now(UTC).date()
        offer = {
            "crisisId": self.crisis,
            "sector": "SHL",
            "item": "SHL-TARP",
            "quantity": "1000",
            "unit": "piece",
            "availableFrom": today.isoformat(),
            "availableUntil": (today + timedelta(days=90)).isoformat(),
            "serves": ["PHL"],
            "deliveryMode": "IN_KIND",
        }
        offer_id = self.call(POST_OFFER, offer, self.donor)["postOffer"]["offer"]["id"]  # type: ignore[index]
        return [
            self.call(PROPOSE, {"requestId": need, "offerId": offer_id, "quantity": q}, self.secretariat)[
                "proposeMatch"
            ]["match"]["id"]  # type: ignore[index]
            for q in quantities
        ]

    def confirm_and_dispatch(self, match: str) -> None:
        for step in ("confirmMatch", "dispatchMatch"):
            self.call(STEP.format(step), {"id": match}, self.donor)


def post_a_duplicate_then_cancel_it(page: Page, served: Served) -> list[str]:
    """Sees the possible duplicate before posting, posts all the same (for a safe haven's people),
    then cancels it with a reason;
    returns axe's findings on the form as it showed the duplicate."""
    fill_need(page, "Tarpaulins for Saduc, again")
    duplicates = page.locator("#duplicates")
    expect(duplicates).to_be_visible()
    expect(duplicates.locator("li")).to_have_count(1)
    expect(duplicates).to_contain_text("Tarpaulins for Saduc returnees")
    page.select_option("#safeHavenId", label="Saduc evacuation centre (PH15)")
    keep(page, served, "post-need-duplicate")
    findings = serious_violations(page)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/workbench/needs\?"))
    page.locator("tr.just-posted a").click()
    page.wait_for_url(re.compile(r"/workbench/need\?id="))
    expect(page.locator("#summary")).to_contain_text("for Saduc evacuation centre")
    page.fill("#cancel-reason", "Posted twice: the Saduc need already stands")
    page.click("#cancel button[type=submit]")
    expect(page.locator("#done")).to_have_text("Cancelled.")
    expect(page.locator("#status")).to_have_text("Cancelled: Posted twice: the Saduc need already stands")
    return findings


def amend(page: Page, served: Served, need: str) -> list[str]:
    page.goto(f"{served.base}/workbench/need?id={need}")
    expect(page.locator("#amend-quantity")).to_have_value("500")
    page.fill("#amend-quantity", "600")
    page.select_option("#amend-priority", "5")
    page.click("#amend button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Amended")
    expect(page.locator("#requested")).to_have_text("600 piece")
    expect(page.locator("#gap")).to_have_text("600")
    expect(page.locator("#summary")).to_contain_text("priority 5")
    keep(page, served, "need")
    return serious_violations(page)


def accept_one_and_decline_the_other(page: Page, served: Served, accepted: str, declined: str) -> list[str]:
    page.goto(f"{served.base}/workbench/decisions")
    expect(page.locator("#proposals-body tr")).to_have_count(2)
    expect(page.locator("#deliveries-count")).to_have_text("No deliveries waiting.")
    keep(page, served, "decisions")
    findings = serious_violations(page)
    page.click(f"#accept-{accepted} button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Accepted: 200 piece")
    page.fill(f"#decline-{declined}-reason", "Fifty will not cover a block: one shipment only")
    page.click(f"#decline-{declined} button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Declined: 50 piece")
    expect(page.locator("#proposals-count")).to_have_text("No proposals waiting.")
    return findings


def test_a_coordinator_sees_a_duplicate_cancels_amends_decides_and_records_a_delivery(
    served: Served, page: Page
) -> None:
    parties = Parties(served)
    original = parties.need("Tarpaulins for Saduc returnees", "500")
    parties.safe_haven("Saduc evacuation centre")
    sign_in_as_coordinator(page, served)
    post_page = post_a_duplicate_then_cancel_it(page, served)
    need_page = amend(page, served, original)
    accepted, declined = parties.proposals(original, "200", "50")
    decisions_page = accept_one_and_decline_the_other(page, served, accepted, declined)

    parties.confirm_and_dispatch(accepted)
    expect(page.locator("#deliveries-body tr")).to_have_count(1)  # from the Changes subscription
    expect(page.locator(f"#receive-{accepted}-quantity")).to_have_value("200")
    page.fill(f"#receive-{accepted}-quantity", "180")
    keep(page, served, "decisions-delivery")
    page.click(f"#receive-{accepted} button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Received: 180 piece")
    expect(page.locator("#deliveries-count")).to_have_text("No deliveries waiting.")
    page.goto(f"{served.base}/workbench/need?id={original}")
    expect(page.locator("#delivered")).to_have_text("180")
    expect(page.locator("#committed")).to_have_text("200")
    expect(page.locator("#gap")).to_have_text("400")  # what no accepted match covers
    page.goto(f"{served.base}/workbench/needs?status=PARTIALLY_COVERED")
    expect(page.locator(f'tr[data-request="{original}"]')).to_contain_text("180")

    assert post_page == []
    assert need_page == []
    assert decisions_page == []
    assert served.needs_titled("Tarpaulins for Saduc, again") == 1


def test_a_reload_in_the_middle_of_a_submission_records_the_need_once(served: Served, page: Page) -> None:
    sign_in_as_coordinator(page, served)
    fill_need(page, "Family tents, reloaded")
    keys: list[str] = []
    held: list[Route] = []

    def record_then_hold(route: Route, request: Request) -> None:
        if '"operationName":"PostRequest"' not in (request.post_data or ""):
            route.continue_()
            return
        keys.append(request.headers["idempotency-key"])
        if held:
            route.continue_()
            return
        route.fetch()  # the server records the need; the page is reloaded before it hears so
        held.append(route)

    page.route("**/graphql", record_then_hold)
    page.click("button[type=submit]")
    page.wait_for_function("document.querySelector('#need-status').textContent === 'Sending…'")
    while not held:
        page.wait_for_timeout(50)
    page.reload()
    with suppress(PlaywrightError):  # the reload may have ended that request already
        held[0].abort()
    fill_need(page, "Family tents, reloaded")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/workbench/needs\?"))
    expect(page.locator("tr.just-posted")).to_contain_text("Family tents, reloaded")

    assert len(keys) == 2
    assert keys[0] == keys[1]  # the key outlived the reload
    assert served.needs_titled("Family tents, reloaded") == 1
