"""The coordinator's field pages in a real headless Chromium against a real `concord serve`: a
coordinator designates a safe haven (refused at the location field while it lies outside the
state), admits people, is refused in words over capacity, plans a movement out of the haven and
walks it to arrival, then reports and closes a security incident; axe-core on every page, each
page also at 420 px wide."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e import test_workbench
from tests.e2e.test_served import cli_token, graphql
from tests.e2e.test_workbench import Served, keep, serious_violations, sign_in_as_coordinator

served = test_workbench.served  # the same `concord serve` and chromium page, as fixtures here
page = test_workbench.page

HAVEN = "Saduc evacuation centre"
HAVEN_STATE = "query { safeHavens(memberState: [PHL]) { name occupancy reserved capacity } }"
MOVEMENTS = (
    "query { movementsConnection(memberState: [PHL]) { edges { node { status people peopleArrived } } } }"
)
INCIDENTS = "query { incidentsConnection(memberState: [PHL]) { edges { node { kind status } } } }"


def checked(page: Page, served: Served, name: str) -> list[str]:
    """axe-core's serious findings on the page at 1,440 px and at 420 px, a screenshot at each, and
    whether the narrow page scrolls sideways."""
    found = serious_violations(page)
    keep(page, served, name)
    page.set_viewport_size({"width": 420, "height": 900})
    if page.evaluate("document.documentElement.scrollWidth") > 420:
        found.append("the page scrolls sideways at 420 px")
    keep(page, served, f"{name}-420")
    page.set_viewport_size({"width": 1440, "height": 1000})
    return [f"{name}: {finding}" for finding in found]


def designate_and_admit(page: Page, served: Served) -> tuple[str, str]:
    """Returns what the page said at the location field, and of the admission over capacity."""
    page.goto(f"{served.base}/workbench/safe-havens")
    expect(page.locator("#none")).to_be_visible()
    page.select_option("#crisisId", label="Marawi displacement")
    page.fill("#name", HAVEN)
    page.fill("#adminCode", "ph153617")
    page.fill("#latitude", "13.7563")  # Bangkok: not in the Philippines
    page.fill("#longitude", "100.5018")
    page.fill("#capacityDay", "100")
    page.click("#designate button[type=submit]")
    expect(page.locator("#location-error")).to_contain_text("outside Philippines")
    outside = page.locator("#location-error").inner_text()
    page.fill("#latitude", "8.0034")
    page.fill("#longitude", "124.2928")
    page.click("#designate button[type=submit]")
    expect(page.locator("#done")).to_have_text(f"Designated {HAVEN}, with room for 100 people.")
    expect(page.locator("#havens-body tr")).to_have_count(1)

    page.fill("#admit-people", "80")
    page.click("#admit button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Admitted 80 people")
    expect(page.locator("#havens-body tr")).to_contain_text("80 of 100 sheltered")
    page.fill("#admit-people", "30")
    page.click("#admit button[type=submit]")
    expect(page.locator("#admit-problem")).to_contain_text("Not admitted")
    return outside, page.locator("#admit-problem").inner_text()


def walk_a_movement_to_arrival(page: Page, served: Served) -> str:
    """Plans eight people out of the haven to their village, and takes them there; returns its row."""
    page.goto(f"{served.base}/workbench/movements")
    expect(page.locator("#none")).to_be_visible()
    page.select_option("#crisisId", label="Marawi displacement")
    page.select_option("#kind", "IDP_RETURN")
    page.select_option("#from", label=f"Safe haven: {HAVEN}")
    page.select_option("#to", "area")
    page.fill("#toArea", "ph153601")
    page.fill("#FEMALE-AGE_18_59", "5")
    page.fill("#MALE-AGE_0_4", "3")
    expect(page.locator("#group-total")).to_have_text("8 people in all.")
    page.click("#plan button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Planned: Return of 8")

    page.fill("#voluntariness-by", "UNHCR Iligan protection team")
    page.click("#voluntariness button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Voluntariness confirmed")
    page.click("#approve button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Approved")
    page.click("#start button[type=submit]")
    expect(page.locator("#done")).to_contain_text("on its way")
    expect(page.locator("#arrival")).to_be_visible()
    page.fill("#arrival-people", "8")
    page.click("#arrival button[type=submit]")
    expect(page.locator("#done")).to_have_text("Arrived: 8 people.")
    expect(page.locator("#nothing-left")).to_be_visible()
    return page.locator("#movements-body tr").first.inner_text()


def report_and_close_an_incident(page: Page, served: Served) -> list[str]:
    page.goto(f"{served.base}/workbench/incidents")
    expect(page.locator("#none")).to_be_visible()
    page.select_option("#kind", "THREAT")
    page.select_option("#severity", "HIGH")
    page.fill("#adminCode", "ph153601")
    page.fill("#description", "Armed men at the Saduc checkpoint turned a convoy back.")
    page.click("#report button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Reported: Threat in PH153601")
    expect(page.locator("#incidents-body tr")).to_contain_text("Open")
    findings = checked(page, served, "incidents")
    page.fill("#close-reason", "The checkpoint was lifted.")
    page.click("#close button[type=submit]")
    expect(page.locator("#done")).to_contain_text("Closed: Threat in PH153601")
    expect(page.locator("#incidents-body tr")).to_contain_text("Closed")
    return findings


def test_a_coordinator_runs_a_safe_haven_moves_people_home_and_reports_an_incident(
    served: Served, page: Page
) -> None:
    sign_in_as_coordinator(page, served)
    outside, over_capacity = designate_and_admit(page, served)
    findings = checked(page, served, "safe-havens")
    row = walk_a_movement_to_arrival(page, served)
    findings += checked(page, served, "movements")
    findings += report_and_close_an_incident(page, served)

    secretariat = cli_token(served.env, "--role", "secretariat")  # sees the small cells viewers do not
    havens: Any = graphql(served.base, HAVEN_STATE, {}, secretariat)["safeHavens"]
    moved = [
        edge["node"]
        for edge in graphql(served.base, MOVEMENTS, {}, secretariat)["movementsConnection"]["edges"]
    ]
    found = graphql(served.base, INCIDENTS, {}, secretariat)["incidentsConnection"]["edges"]
    incidents = [edge["node"] for edge in found]

    assert findings == []
    assert "lies outside Philippines" in outside  # the domain's refusal, at the field it names
    assert re.search(r"has room for only 20 more people", over_capacity)
    assert "OVER_CAPACITY" not in over_capacity
    assert "F 18\N{EN DASH}59: 5" in row
    assert "M 0\N{EN DASH}4: 3" in row
    assert "Arrived" in row
    assert havens == [{"name": HAVEN, "occupancy": 72, "reserved": 0, "capacity": 100}]
    assert moved == [{"status": "ARRIVED", "people": 8, "peopleArrived": 8}]
    assert incidents == [{"kind": "THREAT", "status": "CLOSED"}]
