"""The secretariat's workbench in a real headless Chromium against a real `concord serve`: it signs
in, opens a crisis and moves it through its phases to closed, registers an organisation with its
IATI identifier, suspends and reinstates it, proposes a match from the desk's ranked and explained
suggestions, runs an allocation round and reviews it, then runs another and opens the first again
from the list of past rounds; axe-core finds no serious or critical violation on any page, at
1,440 px and at 420 px wide."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e import test_workbench
from tests.e2e.test_served import graphql
from tests.e2e.test_workbench import Served, keep, serious_violations
from tests.e2e.test_workbench_field import checked

served = test_workbench.served
page = test_workbench.page

POST_REQUEST = "mutation($i: PostRequestInput!) { postRequest(input: $i) { request { id } } }"
POST_OFFER = "mutation($i: PostOfferInput!) { postOffer(input: $i) { offer { id } } }"
WORLD = "query { crises { id name } organisations { edges { node { id name } } } }"
MATCHES = "query { matches(first: 100) { edges { node { status quantity request { title } } } } }"


def dev_token(served: Served, **claims: str) -> str:
    response = httpx.post(f"{served.base}/workbench/dev/token", json=claims, timeout=15)
    response.raise_for_status()
    return str(response.json()["accessToken"])


def a_need(crisis: str, item: str, unit: str, quantity: str, title: str, priority: int) -> dict[str, Any]:
    due = datetime.now(UTC).date() + timedelta(days=20)
    return {
        "crisisId": crisis,
        "memberState": "PHL",
        "sector": "SHL",
        "item": item,
        "title": title,
        "quantity": quantity,
        "unit": unit,
        "priority": priority,
        "neededBy": due.isoformat(),
        "adminCode": "PH1536",
    }


def an_offer(crisis: str, item: str, unit: str, quantity: str) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "crisisId": crisis,
        "sector": "SHL",
        "item": item,
        "quantity": quantity,
        "unit": unit,
        "availableFrom": today.isoformat(),
        "availableUntil": (today + timedelta(days=90)).isoformat(),
        "serves": ["PHL"],
        "deliveryMode": "IN_KIND",
    }


def seed_needs_and_offers(served: Served) -> None:
    """Two needs of the Philippines; tarpaulins from JICA and from Viet Nam, repair kits from JICA."""
    world = graphql(served.base, WORLD, {}, served.viewer)
    crisis = world["crises"][0]["id"]
    jica = world["organisations"]["edges"][0]["node"]["id"]
    philippines = dev_token(served, role="coordinator", memberState="PHL")
    viet_nam = dev_token(served, role="coordinator", memberState="VNM")
    donor = dev_token(served, role="donor", organisationId=jica)
    for need in (
        a_need(crisis, "SHL-TARP", "piece", "500", "Tarpaulins for Marawi returnees", 5),
        a_need(crisis, "SHL-KIT", "kit", "100", "Repair kits for Saduc", 3),
    ):
        graphql(served.base, POST_REQUEST, {"i": need}, philippines)
    graphql(served.base, POST_OFFER, {"i": an_offer(crisis, "SHL-TARP", "piece", "300")}, donor)
    graphql(served.base, POST_OFFER, {"i": an_offer(crisis, "SHL-KIT", "kit", "80")}, donor)
    graphql(served.base, POST_OFFER, {"i": an_offer(crisis, "SHL-TARP", "piece", "400")}, viet_nam)


def sign_in_as_secretariat(page: Page, served: Served) -> None:
    page.goto(f"{served.base}/workbench/crises")
    page.wait_for_url(re.compile(r"/workbench/sign-in\?next="))
    page.check("input[name=role][value=secretariat]")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}/workbench/crises")
    expect(page.locator(".who")).to_have_text("Signed in as Secretariat")


def open_move_and_close_a_crisis(page: Page) -> str:
    page.fill("#name", "Typhoon Odette")
    page.select_option("#affectedStates", ["PHL", "VNM"])
    page.fill("#startDate", "2026-12-16")
    page.click("#open button[type=submit]")
    expect(page.locator("#done")).to_have_text("Typhoon Odette: opened.")
    row = page.locator("#crises-body tr", has_text="Typhoon Odette")
    expect(row).to_contain_text("Philippines, Viet Nam")
    expect(row).to_contain_text("Active response")
    page.select_option("#move-crisis", label="Typhoon Odette")
    page.select_option("#move-phase", "RECOVERY")
    page.click("#move button[type=submit]")
    expect(row).to_contain_text("Recovery")
    page.select_option("#move-crisis", label="Typhoon Odette")
    page.select_option("#move-phase", "RECOVERY")
    page.click("#move button[type=submit]")  # the server refuses: it is in that phase already
    expect(page.locator("#move-phase-error")).to_contain_text("already in")
    page.select_option("#close-crisis", label="Typhoon Odette")
    page.check("#close-confirm")
    page.click("#close button[type=submit]")
    expect(row).to_contain_text("Closed")
    expect(page.locator("#move-crisis option", has_text="Typhoon Odette")).to_have_count(0)
    return page.locator("#move-phase-error").inner_text()


def register_suspend_and_reinstate(page: Page) -> str:
    page.fill("#name", "United Nations Development Programme")
    page.select_option("#type", "UN_AGENCY")
    page.fill("#hxlName", "UNDP")
    page.type("#iatiIdentifier", "xm-41114")
    typed_wrong = page.locator("#iatiIdentifier-error").inner_text()
    page.fill("#iatiIdentifier", "XM-DAC-41114")
    page.click("#register button[type=submit]")
    row = page.locator("#organisations-body tr", has_text="United Nations Development Programme")
    expect(row).to_contain_text("XM-DAC-41114")
    expect(row).to_contain_text("Active")
    page.select_option("#suspend-organisation", label="United Nations Development Programme")
    page.fill("#reason", "Credentials reported lost")
    page.click("#suspend button[type=submit]")
    expect(row).to_contain_text("Suspended")
    page.select_option("#reinstate-organisation", label="United Nations Development Programme")
    page.click("#reinstate button[type=submit]")
    expect(row).to_contain_text("Active")
    return typed_wrong


def propose_from_the_desk(page: Page, served: Served) -> dict[str, Any]:
    """Picks the tarpaulin need, reads its ranked suggestions and proposes 250 from the best."""
    expect(page.locator("#count")).to_have_text("2 open needs")
    page.click("button[aria-label='Suggestions for Tarpaulins for Marawi returnees']")
    cards = page.locator("#suggestion-list > li")
    expect(cards).to_have_count(2)
    expect(page.locator("#suggestions-heading")).to_be_focused()
    seen = {
        "scores": [float(text.rsplit("score ", 1)[1]) for text in cards.locator("h3").all_inner_texts()],
        "terms": cards.first.locator("tbody th").all_inner_texts(),
        "notes": cards.first.locator("tbody td:last-child").all_inner_texts(),
        "equation": cards.first.locator("p.equation").inner_text(),
        "axe": serious_violations(page),
    }
    best = cards.first.locator("h3").inner_text().split(":")[0]
    keep(page, served, "desk")
    page.set_viewport_size({"width": 420, "height": 900})
    seen["overflow at 420 px"] = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    keep(page, served, "desk-420")
    page.set_viewport_size({"width": 1440, "height": 1000})
    cards.first.locator("input[name=quantity]").fill("250")
    cards.first.locator("button[type=submit]").click()
    expect(page.locator("#done")).to_contain_text(f"Proposed 250 piece from {best}")
    expect(cards.first).to_contain_text("of the 250 piece still open")  # read at once, after the command
    return seen


def run_and_review_a_round(page: Page, served: Served) -> dict[str, Any]:
    page.select_option("#crisisId", label="Marawi displacement")
    page.click("#run button[type=submit]")
    expect(page.locator("#review-heading")).to_be_focused()
    page.wait_for_url(re.compile(r"/workbench/rounds\?round="))
    proposals = page.locator("#proposals-body tr")
    expect(proposals.first).to_contain_text("Proposed: awaiting the state")
    expect(page.locator("#no-skipped")).to_be_visible()
    page.click("#audit")
    expect(page.locator("#audit-result")).to_contain_text("Reproduced")
    seen = {
        "objective": page.locator("#objective-body").inner_text(),
        "coverage": page.locator("#states-body").inner_text(),
        "proposed": proposals.all_inner_texts(),
        "axe": serious_violations(page),
    }
    keep(page, served, "round-review")
    page.reload()  # the review is kept in the address
    expect(page.locator("#proposals-body tr")).to_have_count(len(seen["proposed"]))
    return seen


def open_a_past_round(page: Page, served: Served) -> dict[str, Any]:
    """Runs a second round over every open crisis, then opens the first from the past rounds' list
    and goes back to the second."""
    first = page.url.split("round=")[1]
    past = page.locator("#past-body tr")
    expect(past).to_have_count(1)
    expect(past.first).to_have_attribute("aria-current", "true")
    page.select_option("#crisisId", "")  # every open crisis
    page.click("#run button[type=submit]")
    expect(past).to_have_count(2)
    expect(past.first).to_have_attribute("aria-current", "true")
    second = page.url.split("round=")[1]
    past.nth(1).locator("a").click()
    expect(page.locator("#review-heading")).to_be_focused()
    expect(page.locator("#facts")).to_contain_text(first)
    expect(past.nth(1)).to_have_attribute("aria-current", "true")
    seen = {
        "rounds": [second, first],
        "listed": [row.get_attribute("data-round") for row in past.all()],
        "url": page.url,
        "count": page.locator("#past-count").inner_text(),
        "first row": past.nth(1).inner_text(),
        "axe": checked(page, served, "rounds-past"),
    }
    page.go_back()
    expect(page.locator("#facts")).to_contain_text(second)
    return seen


def test_the_secretariat_coordinates_a_crisis_from_the_workbench(served: Served, page: Page) -> None:
    seed_needs_and_offers(served)
    sign_in_as_secretariat(page, served)
    violations = {"crises": serious_violations(page)}
    already_in = open_move_and_close_a_crisis(page)
    keep(page, served, "crises")
    page.click("#pages a:text('Organisations')")
    page.wait_for_url(f"{served.base}/workbench/organisations")
    expect(page.locator("#count")).to_have_text("1 organisation")
    violations["organisations"] = serious_violations(page)
    iati_typed_wrong = register_suspend_and_reinstate(page)
    keep(page, served, "organisations")
    page.click("#pages a:text('Matching desk')")
    page.wait_for_url(f"{served.base}/workbench/desk")
    desk = propose_from_the_desk(page, served)
    page.click("#pages a:text('Allocation rounds')")
    page.wait_for_url(f"{served.base}/workbench/rounds")
    violations["rounds"] = serious_violations(page)
    round_ = run_and_review_a_round(page, served)
    matches = graphql(served.base, MATCHES, {}, served.viewer)["matches"]["edges"]
    past = open_a_past_round(page, served)

    assert violations == {"crises": [], "organisations": [], "rounds": []}
    assert desk["axe"] == []
    assert round_["axe"] == []
    assert "already in" in already_in
    assert "XM-DAC-41114" in iati_typed_wrong  # checked as typed, before anything is sent
    assert desk["scores"] == sorted(desk["scores"], reverse=True)
    assert desk["terms"] == ["Priority", "Urgency", "Coverage", "Proximity", "Timeliness"]
    assert all(note.strip() for note in desk["notes"])  # every term explained in words
    assert desk["equation"].startswith("Score = Priority 5 \u00d7 Urgency")
    assert desk["equation"].endswith(f"= {desk['scores'][0]:g}.")
    assert desk["overflow at 420 px"] <= 0
    assert "Lowest state coverage" in round_["objective"]
    assert "Weighted coverage of all needs" in round_["objective"]
    assert "Philippines" in round_["coverage"]
    assert any("Repair kits for Saduc" in line for line in round_["proposed"])
    assert len(matches) == 1 + len(round_["proposed"])
    assert all(edge["node"]["status"] == "PROPOSED" for edge in matches)
    assert past["listed"] == past["rounds"]  # newest first
    assert past["url"].endswith(f"/workbench/rounds?round={past['rounds'][1]}")
    assert past["count"] == "2 rounds, 2 shown."
    assert "Marawi displacement" in past["first row"]
    assert f"{len(round_['proposed'])} · 0" in past["first row"]  # proposed · skipped
    assert past["axe"] == []
