"""The upload page in a real headless Chromium against a real `concord serve`, on SQLite and
PostgreSQL: a coordinator previews a sheet of 200 needs with 3 bad rows, and a donor a sheet of 200
offers with 3 bad rows; each sees every error at its row and field, posts the 197 good ones, and
uploading the same file again posts none. axe-core on the preview and the result; screenshots of
each, the preview also at 420 px."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from services.api.exports.hxl import offer_columns
from tests.e2e import test_workbench
from tests.e2e.test_served import graphql
from tests.e2e.test_workbench import Served, keep, serious_violations
from tests.e2e.test_workbench_field import checked
from tests.sheets import as_csv, offer_row, request_row, sheet

served = test_workbench.served  # the same `concord serve` and chromium page, as fixtures here
page = test_workbench.page

NEEDS = "query { requests(first: 1) { totalCount } }"
OFFERS = "query { offers(first: 1) { totalCount } }"

#: How long the page may take to post its 197 good rows (one command each).
POSTING = 30_000  # ms


def test_a_coordinator_previews_200_rows_posts_the_197_good_and_a_second_upload_posts_none(
    served: Served, page: Page
) -> None:
    crisis = graphql(served.base, "query { crises { id } }", {}, served.viewer)["crises"][0]["id"]
    due = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    rows = [request_row(crisis, n, **{"Needed by": due}) for n in range(200)]
    rows[17]["Requested"] = "lots"
    rows[80]["Item"] = "NOT-AN-ITEM"
    rows[150]["Admin area"] = "TH1001"
    upload = {"name": "needs.csv", "mimeType": "text/csv", "buffer": as_csv(sheet(rows))}
    page.goto(f"{served.base}/workbench/import")
    page.wait_for_url(re.compile(r"/workbench/sign-in\?next="))
    page.select_option("#memberState", "PHL")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}/workbench/import")

    page.set_input_files("#file", upload)
    page.click("#upload button[type=submit]")
    summary = page.locator("#summary")
    expect(summary).to_have_text("200 rows: 197 good · 3 with errors · 0 already posted.")
    bad = page.locator("#rows-body tr.has-error")
    expect(bad).to_have_count(3)
    errors = [
        (row.get_attribute("id"), row.locator("td.bad").get_attribute("data-field")) for row in bad.all()
    ]
    quantity_error = page.locator("#line-20 td.bad .field-error").inner_text()
    findings = checked(page, served, "import-preview")
    page.click("#commit")
    # 197 commands, each awaited by the page: longer than an assertion's 5 s on a loaded machine.
    expect(summary).to_have_text("200 rows: 197 posted · 3 with errors · 0 already posted.", timeout=POSTING)
    expect(page.locator("#results-heading")).to_be_focused()
    see_them = page.locator("#see-them").get_attribute("href") or ""
    findings += serious_violations(page)
    keep(page, served, "import-posted")
    posted = graphql(served.base, NEEDS, {}, served.viewer)["requests"]["totalCount"]

    page.set_input_files("#file", upload)
    page.click("#upload button[type=submit]")
    expect(summary).to_have_text("200 rows: 0 good · 3 with errors · 197 already posted.")
    expect(page.locator("#commit")).to_be_disabled()
    keep(page, served, "import-again")
    page.goto(f"{served.base}{see_them}")
    expect(page.locator("#count")).to_have_text("197 needs")

    assert errors == [("line-20", "quantity"), ("line-83", "item"), ("line-153", "adminCode")]
    assert "not a number" in quantity_error
    assert findings == []
    assert re.fullmatch(r"/workbench/needs\?consistentWith=\d+", see_them)
    assert posted == 197
    assert graphql(served.base, NEEDS, {}, served.viewer)["requests"]["totalCount"] == 197


def test_a_donor_previews_200_offers_posts_the_197_good_and_a_second_upload_posts_none(
    served: Served, page: Page
) -> None:
    crisis = graphql(served.base, "query { crises { id } }", {}, served.viewer)["crises"][0]["id"]
    today = datetime.now(UTC).date()
    until = (today + timedelta(days=90)).isoformat()
    rows = [offer_row(crisis, n, **{"Available from": today, "Available until": until}) for n in range(200)]
    rows[9]["Quantity"] = "plenty"
    rows[99]["Item"] = "NOT-AN-ITEM"
    rows[190]["Serves"] = "PHL XYZ"
    headers = [(c.header, c.tag) for c in offer_columns(today)]
    upload = {"name": "offers.csv", "mimeType": "text/csv", "buffer": as_csv(sheet(rows, headers))}
    page.goto(f"{served.base}/workbench/import")
    page.wait_for_url(re.compile(r"/workbench/sign-in\?next="))
    page.check('input[name="role"][value="donor"]')
    page.select_option("#organisationId", label="JICA")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}/workbench/import")
    expect(page.locator(".who")).to_contain_text("JICA")

    page.set_input_files("#file", upload)
    page.click("#upload button[type=submit]")
    summary = page.locator("#summary")
    expect(summary).to_have_text("200 rows: 197 good · 3 with errors · 0 already posted.")
    bad = page.locator("#rows-body tr.has-error")
    expect(bad).to_have_count(3)
    errors = [
        (row.get_attribute("id"), row.locator("td.bad").get_attribute("data-field")) for row in bad.all()
    ]
    serves_error = page.locator("#line-193 td.bad .field-error").inner_text()
    findings = checked(page, served, "import-offers-preview")
    page.click("#commit")
    # 197 commands, each awaited by the page: longer than an assertion's 5 s on a loaded machine.
    expect(summary).to_have_text("200 rows: 197 posted · 3 with errors · 0 already posted.", timeout=POSTING)
    expect(page.locator("#results-heading")).to_be_focused()
    see_them = page.locator("#see-them").get_attribute("href") or ""
    findings += serious_violations(page)
    keep(page, served, "import-offers-posted")
    posted = graphql(served.base, OFFERS, {}, served.viewer)["offers"]["totalCount"]

    page.set_input_files("#file", upload)
    page.click("#upload button[type=submit]")
    expect(summary).to_have_text("200 rows: 0 good · 3 with errors · 197 already posted.")
    expect(page.locator("#commit")).to_be_disabled()
    keep(page, served, "import-offers-again")
    page.goto(f"{served.base}{see_them}")
    expect(page.locator("#count")).to_have_text("197 offers")

    assert errors == [("line-12", "quantity"), ("line-102", "item"), ("line-193", "serves")]
    assert "XYZ" in serves_error
    assert findings == []
    assert re.fullmatch(r"/workbench/offers\?consistentWith=\d+", see_them)
    assert posted == 197
    assert graphql(served.base, OFFERS, {}, served.viewer)["offers"]["totalCount"] == 197
