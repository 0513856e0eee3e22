"""The secretariat's Stability Fund and projects pages in a real headless Chromium against a real
`concord serve`: a fund is opened, a donor's payment reaches it, a project is registered and moved
along, the fund allocates to it (refused in words beyond its balance) and disburses, and the ledger
shows every step; a viewer reads the same pages without their forms; axe-core finds no serious or
critical violation on any of the pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.test_served import cli_token, graphql
from tests.e2e.test_workbench import Served, keep, page, serious_violations, served

__all__ = ["page", "served"]  # the fixtures, shared with the coordinator's story

PLEDGE = "mutation($i: MakePledgeInput!) { makePledge(input: $i) { pledge { id } } }"
COMMIT = "mutation($i: CommitPledgeInput!) { commitPledge(input: $i) { position } }"
PAY = "mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { position } }"
ORGANISATIONS = "query { organisations { edges { node { id name } } } }"
FUNDS = "query { funds { id name } }"
ALLOCATIONS = "query($id: ID!) { fund(id: $id) { allocations { totalCount } ledger { totalCount } } }"
PROJECT_TITLE = "Rebuild Marawi's grand market"


def pay_into_the_fund(served: Served, today: str) -> None:
    """JICA pledges ¥1,000,000 to the fund, commits and pays it all today: US$6,600 received."""
    [jica] = graphql(served.base, ORGANISATIONS, {}, served.viewer)["organisations"]["edges"]
    [fund] = graphql(served.base, FUNDS, {}, served.viewer)["funds"]
    donor = cli_token(served.env, "--role", "donor", "--org", jica["node"]["id"])
    pledge = {
        "destinationKind": "FUND", "destinationId": fund["id"], "amount": "1000000", "currency": "JPY",
        "usdRate": "0.0066", "rateDate": today, "earmarking": "UNEARMARKED",
    }  # fmt: skip
    pledged = graphql(served.base, PLEDGE, {"i": pledge}, donor)["makePledge"]["pledge"]["id"]
    graphql(served.base, COMMIT, {"i": {"id": pledged, "dueDate": today}}, donor)
    payment = {"id": pledged, "amount": "1000000", "usdRate": "0.0066", "rateDate": today, "paidOn": today}
    graphql(served.base, PAY, {"i": payment}, donor)


def sign_in_as(page: Page, served: Served, path: str, role: str) -> None:
    page.goto(f"{served.base}{path}")
    page.wait_for_url(re.compile(r"/workbench/sign-in\?next="))
    page.check(f"input[name=role][value={role}]")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}{path}")


def register_a_project(page: Page, start: str, end: str) -> None:
    form = page.locator("#register")
    expect(page.locator("#crisisId option")).to_have_count(2)
    form.locator("#crisisId").select_option(label="Marawi displacement")
    form.locator("#memberState").select_option("PHL")
    form.locator("#title").fill(PROJECT_TITLE)
    form.locator("#sector").select_option("ERY")
    form.locator("#adminCode").fill("th15")
    foreign = page.locator("#adminCode-error").inner_text()
    form.locator("#adminCode").fill("ph153602")
    form.locator("#implementingOrganisations").select_option(label="JICA")
    form.locator("#budget").fill("25000000")
    form.locator("#currency").fill("php")
    form.locator("#usdRate").fill("0.0171")
    form.locator("#plannedStart").fill(start)
    form.locator("#plannedEnd").fill(end)
    assert "A P-code of Philippines" in foreign  # checked as typed


def move_the_project_along(page: Page, today: str) -> None:
    page.select_option("#new-status", "IMPLEMENTATION")
    page.click("#change-status button[type=submit]")
    expect(page.locator("#status")).to_have_text("Implementation")
    page.fill("#milestone-title", "Design approved")
    page.fill("#dueDate", today)
    page.click("#plan button[type=submit]")
    expect(page.locator("#plan-status")).to_have_text("Planned: Design approved.")
    page.select_option("#milestoneId", label=f"Design approved (due {today})")
    page.fill("#achievedOn", today)
    page.click("#achieve button[type=submit]")
    expect(page.locator("#milestones-body")).to_contain_text(f"Design approved{today}{today}")
    page.fill("#indicator", "Stalls rebuilt")
    page.fill("#unit", "stall")
    page.fill("#target", "400")
    page.fill("#hxlTag", "#indicator+stalls")
    page.click("#define button[type=submit]")
    expect(page.locator("#define-status")).to_have_text("Defined: Stalls rebuilt.")
    page.select_option("#resultId", label="Stalls rebuilt (stall)")
    page.fill("#achieved", "100")
    page.fill("#measuredOn", today)
    page.click("#measure button[type=submit]")
    expect(page.locator("#results-body")).to_contain_text("25%")


def allocate(page: Page, amount: str) -> None:
    page.select_option("#destinationKind", "PROJECT")
    page.select_option("#destinationId", label=f"{PROJECT_TITLE} · Philippines")
    page.fill("#allocate-usdAmount", amount)
    page.fill("#rationale", "the market's reopening brings back livelihoods")
    page.click("#allocate button[type=submit]")


def allocate_and_disburse(page: Page, served: Served) -> None:
    """Beyond the balance, then within it; beyond the allocation, then within it."""
    allocate(page, "10000")
    refused = page.locator("#allocate-problem")
    expect(refused).to_have_text("The fund's unallocated balance does not cover this.")
    keep(page, served, "fund-refused")
    page.fill("#allocate-usdAmount", "5000")
    page.click("#allocate button[type=submit]")
    expect(page.locator("#allocate-status")).to_have_text(
        f"Allocated $5,000.00 to {PROJECT_TITLE} · Philippines."
    )
    expect(page.locator("#allocations-body")).to_contain_text(
        "the market's reopening brings back livelihoods"
    )
    page.select_option("#allocationId", index=1)
    page.fill("#disburse-usdAmount", "6000")
    page.click("#disburse button[type=submit]")
    expect(page.locator("#disburse-usdAmount-error")).to_contain_text("would exceed the allocation")
    page.fill("#disburse-usdAmount", "2000")
    page.click("#disburse button[type=submit]")
    expect(page.locator("#disburse-status")).to_have_text("Disbursed $2,000.00.")


def commands_offered_to_a_viewer(page: Page, served: Served) -> list[str]:
    """Signs out, back in as a viewer: the fund and projects read as before, without their forms."""
    page.click("#signout")
    page.wait_for_url(re.compile(r"/workbench/sign-in"))
    page.check("input[name=role][value=viewer]")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}/workbench/")
    page.goto(f"{served.base}/workbench/fund")
    expect(page.locator("#ledger-count")).to_have_text("3 entries")
    offered = [f"#{form.get_attribute('id')}" for form in page.locator("form:visible").all()]
    page.goto(f"{served.base}/workbench/projects")
    expect(page.locator("#count")).to_have_text("1 project")
    return offered + [f"#{form.get_attribute('id')}" for form in page.locator("form:visible").all()]


def test_the_secretariat_runs_the_fund_and_a_project_and_the_ledger_shows_every_step(
    served: Served, page: Page
) -> None:
    day = datetime.now(UTC).date()
    today = day.isoformat()
    sign_in_as(page, served, "/workbench/fund", "secretariat")
    expect(page.locator("#no-fund")).to_be_visible()
    expect(page.locator("#pages")).to_contain_text("Stability Fund")
    page.fill("#name", "ASEAN Stability Fund")
    page.click("#open-fund button[type=submit]")
    expect(page.locator("#open-fund-status")).to_have_text("Opened ASEAN Stability Fund.")
    pay_into_the_fund(served, today)
    expect(page.locator("#fund-balance")).to_have_text("$6,600.00")  # live, from the Changes feed

    page.goto(f"{served.base}/workbench/projects")
    expect(page.locator("#count")).to_have_text("0 projects")
    expect(page.locator("#more")).to_be_hidden()  # nothing more to show
    register_a_project(page, (day - timedelta(days=30)).isoformat(), (day + timedelta(days=365)).isoformat())
    projects_page = serious_violations(page)
    keep(page, served, "projects")
    page.click("#register button[type=submit]")
    page.wait_for_url(re.compile(r"/workbench/projects/project\?id="))
    expect(page.locator("#recorded")).to_have_text(f"Registered: {PROJECT_TITLE}.")
    expect(page.locator("#budget")).to_have_text("25,000,000 PHP ($427,500.00)")
    move_the_project_along(page, today)
    project_page = serious_violations(page)
    keep(page, served, "project")

    page.goto(f"{served.base}/workbench/fund")
    expect(page.locator("#fund-balance")).to_have_text("$6,600.00")
    allocate_and_disburse(page, served)
    ledger = page.locator("#ledger-body tr")
    expect(ledger).to_have_count(3)
    fund_page = serious_violations(page)
    keep(page, served, "fund")
    rows = [ledger.nth(index).inner_text().split("\t") for index in range(3)]
    balance = page.locator("#fund-balance").inner_text()
    page.set_viewport_size({"width": 420, "height": 900})
    narrow = page.evaluate("document.documentElement.scrollWidth")
    keep(page, served, "fund-420")

    page.set_viewport_size({"width": 1440, "height": 1000})
    offered_to_a_viewer = commands_offered_to_a_viewer(page, served)

    [fund] = graphql(served.base, FUNDS, {}, served.viewer)["funds"]
    recorded = graphql(served.base, ALLOCATIONS, {"id": fund["id"]}, served.viewer)["fund"]
    assert projects_page == []
    assert project_page == []
    assert fund_page == []
    assert narrow <= 420
    assert [row[:3] for row in rows] == [
        [today, "Contribution", "$6,600.00"],
        [today, "Allocation", "$5,000.00"],
        [today, "Disbursement", "$2,000.00"],
    ]
    assert rows[-1][3:] == ["$6,600.00", "$5,000.00", "$2,000.00", "$1,600.00"]
    assert balance == "$1,600.00"
    assert offered_to_a_viewer == ["#filters"]  # the projects' status filter; no command
    assert recorded == {"allocations": {"totalCount": 1}, "ledger": {"totalCount": 3}}  # refused: nothing
