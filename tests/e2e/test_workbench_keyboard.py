"""A donor's pledge and the secretariat's registration of an organisation, each completed with the
keyboard alone in a real headless Chromium: the Tab key visits the fields in the order they read,
a field shown on the way (the state of a government) comes next in that order, and every error is
announced: the form's problem line is an alert, each field names its error with aria-describedby
and is marked aria-invalid, and the focus goes to the field to correct, after a refusal by the
browser's rules or by the server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_workbench import Served, keep, page, serious_violations, served, tab_to

__all__ = ["page", "served"]

FOCUSED = "document.activeElement.id || document.activeElement.textContent.trim()"
# What a screen reader is given about a field: whether it is invalid, and the text of what
# describes it (its hint and its error, by aria-describedby).
ANNOUNCED = """(id) => {
  const field = document.getElementById(id);
  const described = (field.getAttribute('aria-describedby') ?? '').split(/\\s+/).filter(Boolean);
  return {
    invalid: field.getAttribute('aria-invalid'),
    describedBy: described.map((ref) => document.getElementById(ref)?.textContent.trim() ?? ''),
  };
}"""


def sign_in(page: Page, served: Served, path: str, role: str, **choice: str) -> None:
    page.goto(f"{served.base}{path}")
    page.wait_for_url(re.compile(r"/workbench/sign-in\?next="))
    page.check(f"input[name=role][value={role}]")
    for field, label in choice.items():
        page.select_option(f"#{field}", label=label)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}{path}")


def next_field(page: Page, order: list[str]) -> str:
    """Tab to the next field (a date's day, month and year are one field); notes where it lands."""
    start = page.evaluate(FOCUSED)
    for _ in range(4):
        page.keyboard.press("Tab")
        here = str(page.evaluate(FOCUSED))
        if here != start:
            order.append(here)
            return here
    pytest.fail(f"the Tab key stayed on {start}")


def announced(page: Page, field: str) -> dict[str, Any]:
    return dict(page.evaluate(ANNOUNCED, field))


def replace_value(page: Page, text: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def send_the_pledge_empty(page: Page, order: list[str]) -> dict[str, Any]:
    """From the first field to the amount, and Enter with nothing chosen or typed."""
    tab_to(page, "destinationKind")  # a crisis, as it starts
    next_field(page, order)
    next_field(page, order)
    page.keyboard.press("Enter")
    expect(page.locator("#pledge-problem")).to_have_text("Please correct the fields marked below.")
    return {
        "focus": page.evaluate(FOCUSED),
        "destination": announced(page, "destinationId"),
        "amount": announced(page, "amount"),
    }


def fill_the_pledge(page: Page, order: list[str]) -> dict[str, Any]:
    """From the destination on: ¥1,000,000 at 0.0067, softly earmarked, in a currency the server
    does not know; what the amount said of a zero as it was typed, and once corrected."""
    page.keyboard.press("ArrowDown")  # Marawi displacement
    next_field(page, order)
    page.keyboard.type("0")
    zero = announced(page, "amount")
    page.keyboard.press("Backspace")
    page.keyboard.type("1000000")
    corrected = announced(page, "amount")
    next_field(page, order)
    replace_value(page, "zzz")  # three letters, as the browser's rule asks; no currency the server knows
    next_field(page, order)
    replace_value(page, "0.0067")
    next_field(page, order)  # the rate's date: today, as it comes
    next_field(page, order)
    page.keyboard.press("ArrowDown")  # softly earmarked
    next_field(page, order)
    page.keyboard.type("For the Marawi response")
    next_field(page, order)
    return {"zero": zero, "corrected": corrected}


def test_a_donor_makes_a_pledge_with_the_keyboard_alone(served: Served, page: Page) -> None:
    sign_in(page, served, "/workbench/pledges", "donor", organisationId="JICA")
    expect(page.locator("#destinationId option")).to_have_count(2)  # "Choose one", the crisis
    problem_role = page.locator("#pledge-problem").get_attribute("role")
    status_role = page.locator("#pledge-status").get_attribute("role")
    order: list[str] = []

    empty = send_the_pledge_empty(page, order)
    typed = fill_the_pledge(page, order)
    page.keyboard.press("Enter")
    expect(page.locator("#pledge-problem")).to_have_text(
        "The server refused a field: see the message below it."
    )
    refused_focus = page.evaluate(FOCUSED)
    refused_currency = announced(page, "currency")
    keep(page, served, "keyboard-pledge-refused")
    violations = serious_violations(page)
    replace_value(page, "jpy")
    page.keyboard.press("Enter")

    expect(page.locator("#done")).to_be_focused()
    expect(page.locator("#done")).to_have_text("Pledged: the pledge is marked in the list.")
    row = page.locator("#pledges-body tr.just-posted").inner_text()

    assert problem_role == "alert"
    assert status_role == "status"
    assert order == [
        "destinationId", "amount",  # the first pass, sent empty from the amount
        "amount", "currency", "usdRate", "rateDate", "earmarking", "description", "Make the pledge",
    ]  # fmt: skip
    assert empty["focus"] == "destinationId"  # the first field to correct
    assert empty["destination"]["invalid"] == "true"
    assert empty["destination"]["describedBy"] != [""]
    assert empty["amount"]["invalid"] == "true"
    assert typed["zero"]["invalid"] == "true"
    assert typed["zero"]["describedBy"] == ["An amount greater than zero, with at most 2 decimal places."]
    assert typed["corrected"] == {"invalid": "false", "describedBy": [""]}
    assert refused_focus == "currency"
    assert refused_currency["invalid"] == "true"
    assert "ISO 4217" in refused_currency["describedBy"][0]
    assert violations == []
    assert "1,000,000 JPY" in row
    assert "Marawi displacement · Softly earmarked" in row


def test_the_secretariat_registers_an_organisation_with_the_keyboard_alone(
    served: Served, page: Page
) -> None:
    sign_in(page, served, "/workbench/organisations", "secretariat")
    expect(page.locator("#register")).to_be_visible()
    expect(page.locator("#count")).to_have_text(re.compile(r"1 organisation"))
    order: list[str] = []

    tab_to(page, "name")
    page.keyboard.press("Enter")  # sent with nothing typed
    expect(page.locator("#register-problem")).to_have_text("Please correct the fields marked below.")
    empty_sent_focus = page.evaluate(FOCUSED)
    empty_name = announced(page, "name")
    empty_kind = announced(page, "type")

    page.keyboard.type("Department of Social Welfare and Development")
    next_field(page, order)
    page.keyboard.press("ArrowDown")  # a member-state government: its state is asked for next
    next_field(page, order)
    page.keyboard.type("Philippines")  # chosen by typing its name
    next_field(page, order)
    page.keyboard.type("DSWD")
    next_field(page, order)
    page.keyboard.type("ph-dswd")
    wrong_identifier = announced(page, "iatiIdentifier")
    replace_value(page, "ph-gov-dswd")
    right_identifier = announced(page, "iatiIdentifier")
    next_field(page, order)
    violations = serious_violations(page)
    page.keyboard.press("Enter")

    expect(page.locator("#done")).to_have_text("Department of Social Welfare and Development: registered.")
    row = page.locator("#organisations-body tr", has_text="Department of Social Welfare").inner_text()
    keep(page, served, "keyboard-organisation")

    assert page.locator("#register-problem").get_attribute("role") == "alert"
    assert page.locator("#done").get_attribute("role") == "status"
    assert order == ["type", "memberState", "hxlName", "iatiIdentifier", "Register"]
    assert empty_sent_focus == "name"
    assert empty_name["invalid"] == "true"
    assert empty_name["describedBy"] != [""]
    assert empty_kind["invalid"] == "true"
    assert wrong_identifier["invalid"] == "true"
    assert wrong_identifier["describedBy"] == [
        "Only where it is registered with IATI, e.g. XM-DAC-41114; IATI exports name it by it.",
        "An IATI organisation identifier: registration agency, then the number, e.g. XM-DAC-41114.",
    ]
    assert right_identifier["invalid"] == "false"
    assert violations == []
    assert "Member-state government" in row
    assert "Philippines" in row
    assert "PH-GOV-DSWD" in row
