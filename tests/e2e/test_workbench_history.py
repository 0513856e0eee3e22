"""Any object's history in Chromium, on SQLite and PostgreSQL: a coordinator amends a need's title,
opens its history from the need's page, sees who changed what (before → after), pages through
"Show more", and sees the need as it stood before the amendment; a safe haven's history opens from
the safe havens page. axe-core on the page; screenshots of it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e import test_workbench
from tests.e2e.test_workbench import Served, keep, serious_violations, sign_in_as_coordinator
from tests.e2e.test_workbench_coordinator_needs import Parties

served = test_workbench.served  # the fixtures: a served Concord with a crisis, and a page in Chromium
page = test_workbench.page

AMEND = "mutation($i: AmendRequestInput!) { amendRequest(input: $i) { position } }"


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
