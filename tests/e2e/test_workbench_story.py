"""One need from posting to receipt, every step in the browser, each role in its own browser context
signed in on the development page: the coordinator posts a need, the donor finds it among the needs
its offers could serve and offers, the secretariat proposes from the matching desk, the coordinator
accepts, the donor confirms and dispatches, the coordinator records receipt, and the dashboard's
coverage of the Philippines' shelter moves. At 420 px the coverage table needs no sideways scroll."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e import test_workbench
from tests.e2e.test_dashboard import BROWSER_FLAGS, CHROMIUM, WAIT_MS
from tests.e2e.test_served import graphql
from tests.e2e.test_workbench import Served, fill_need, keep, serious_violations, sign_in_as_coordinator
from tests.e2e.test_workbench_donor import in_row, post_offer, sign_in_as_donor
from tests.e2e.test_workbench_secretariat import POST_REQUEST, a_need, dev_token, sign_in_as_secretariat

served = test_workbench.served
TITLE = "Tarpaulins for Marawi returnees"
OTHER_SECTORS = [  # what else the Philippines needs, so the coverage table is as wide as the demo's
    ("WSH", "WSH-HYGIENE", "kit"), ("HEA", "HEA-IEHK", "kit"), ("FSC", "FSC-RICE", "tonne"),
    ("EDU", "EDU-SCHOOLKIT", "kit"), ("NUT", "NUT-RUTF", "carton"), ("PRO_GBV", "PRO-DIGNITY", "kit"),
]  # fmt: skip
SHELTER_CELL = '#coverage-table td[title^="Philippines, "][title*="Shelter"]'


@pytest.fixture
def browser() -> Iterator[tuple[Browser, list[str]]]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_FLAGS)
        problems: list[str] = []
        yield browser, problems
        browser.close()
        assert problems == []


def role(browser: tuple[Browser, list[str]]) -> Page:
    """A page in a browser context of its own: a role's own tab and sign-in."""
    context = browser[0].new_context(
        locale="en-US", timezone_id="UTC", viewport={"width": 1440, "height": 1000}
    )
    page = context.new_page()
    page.on("pageerror", lambda error: browser[1].append(str(error)))
    page.on(
        "console",
        lambda message: (
            browser[1].append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_default_timeout(WAIT_MS)
    return page


def coverage(page: Page, served: Served) -> str:
    page.goto(f"{served.base}/")
    expect(page.locator("#live")).to_have_text("Live", timeout=WAIT_MS)
    cell = page.locator(SHELTER_CELL)
    expect(cell).to_be_visible()
    return f"{cell.inner_text()} | {cell.get_attribute('title')}"


def other_needs(served: Served) -> None:
    """The Philippines' needs in other sectors, posted through the API as its coordinator would."""
    crisis = graphql(served.base, "{ crises { id } }", {}, served.viewer)["crises"][0]["id"]
    coordinator = dev_token(served, role="coordinator", memberState="PHL")
    for sector, item, unit in OTHER_SECTORS:
        need = a_need(crisis, item, unit, "100", f"{sector} for Saduc", 3) | {"sector": sector}
        graphql(served.base, POST_REQUEST, {"i": need}, coordinator)


def narrow_coverage(page: Page, served: Served) -> dict[str, Any]:
    page.set_viewport_size({"width": 420, "height": 900})
    page.goto(f"{served.base}/")
    expect(page.locator("#coverage-table thead th")).to_have_count(2 + 1 + len(OTHER_SECTORS))
    keep(page, served, "story-dashboard-420")
    return {"axe": serious_violations(page)} | dict(
        page.evaluate("""(() => {
          const box = document.querySelector('#coverage-table').parentElement;
          return {overflow: box.scrollWidth - box.clientWidth,
                  page: document.documentElement.scrollWidth - innerWidth};
        })()""")
    )


def test_a_need_travels_from_posting_to_receipt_and_moves_the_coverage(
    served: Served, browser: tuple[Browser, list[str]]
) -> None:
    coordinator, donor, secretariat = role(browser), role(browser), role(browser)
    sign_in_as_coordinator(coordinator, served)
    fill_need(coordinator, TITLE)
    coordinator.click("button[type=submit]")
    coordinator.wait_for_url(re.compile(r"/workbench/needs\?"))
    expect(coordinator.locator("tr.just-posted")).to_contain_text(TITLE)
    keep(coordinator, served, "story-1-posted")
    before = coverage(coordinator, served)

    sign_in_as_donor(donor, served)
    post_offer(donor)
    expect(donor.locator("#offers-body tr.just-posted")).to_contain_text("SHL-TARP")
    donor.click("nav >> text=Needs I could serve")
    expect(donor.locator("#serve-body tr").first).to_contain_text(TITLE)
    keep(donor, served, "story-2-could-serve")

    sign_in_as_secretariat(secretariat, served)
    secretariat.click("#pages a:text('Matching desk')")
    secretariat.click(f"button[aria-label='Suggestions for {TITLE}']")
    secretariat.locator("#suggestion-list > li").first.locator("button[type=submit]").click()
    expect(secretariat.locator("#done")).to_contain_text("Proposed 300 piece from JICA")
    keep(secretariat, served, "story-3-proposed")

    coordinator.goto(f"{served.base}/workbench/decisions")
    in_row(coordinator, "proposals-body", TITLE).get_by_role("button", name=re.compile("^Accept")).click()
    expect(coordinator.locator("#done")).to_contain_text("Accepted: 300 piece")
    keep(coordinator, served, "story-4-accepted")

    donor.click("nav >> text=Matches")
    match = in_row(donor, "matches-body", TITLE)
    match.get_by_role("button", name="Confirm").click()
    expect(match).to_contain_text("Confirmed: dispatch when it leaves")
    match.get_by_role("button", name="Dispatch").click()
    expect(match).to_contain_text("Dispatched")
    keep(donor, served, "story-5-dispatched")

    delivery = in_row(coordinator, "deliveries-body", TITLE)  # from the Changes subscription
    expect(delivery.locator("input")).to_have_value("300")
    delivery.get_by_role("button", name=re.compile("^Record")).click()
    expect(coordinator.locator("#done")).to_contain_text("Received: 300 piece")
    keep(coordinator, served, "story-6-received")
    after = coverage(coordinator, served)
    keep(coordinator, served, "story-7-dashboard")
    other_needs(served)
    narrow = narrow_coverage(coordinator, served)

    assert before.startswith("0%")
    assert "0 committed, 0 delivered" in before
    assert after.startswith("60%")
    assert "gap 200" in after
    assert "300 committed, 300 delivered" in after
    assert narrow == {"axe": [], "overflow": 0, "page": 0}  # every sector in sight at 420 px
