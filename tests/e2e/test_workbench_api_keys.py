"""The API keys page in a real headless Chromium against a real `concord serve`: a donor issues a key
for its integration, sees its secret once (kept in no storage of the tab) and the key listed by its
last four characters only, the key acts as the donor does, and once revoked it is refused; the
secretariat sees every key and revokes another's; axe-core finds no serious or critical violation,
at 1,440 px and 420 px."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e import test_workbench
from tests.e2e.test_served import graphql
from tests.e2e.test_workbench import Served
from tests.e2e.test_workbench_actions import World, sign_in
from tests.e2e.test_workbench_field import checked

served = test_workbench.served
page = test_workbench.page

ISSUE = "mutation($i: IssueApiKeyInput!) { issueApiKey(input: $i) { secret } }"
ME = "{ me { role organisationId } }"


def me_with(served: Served, key: str) -> httpx.Response:
    return httpx.post(f"{served.base}/graphql", json={"query": ME}, headers={"X-API-Key": key}, timeout=15)


def test_a_donor_issues_a_key_sees_it_once_and_revokes_it_and_the_secretariat_sees_every_key(
    served: Served, page: Page
) -> None:
    world = World(served)
    graphql(served.base, ISSUE, {"i": {"name": "DSWD logistics sync"}}, world.philippines)
    traffic = sign_in(page, served, world.donor, "/workbench/api-keys")
    expect(page.locator("#pages")).to_contain_text("API keys")
    expect(page.locator("#acts-as")).to_have_text("Donor · JICA")
    expect(page.locator("#count")).to_have_text("No active key.")
    page.click("#issue button[type=submit]")
    unnamed = page.locator("#issue-name-error").inner_text()

    page.fill("#issue-name", "JICA stock feed")
    page.click("#issue button[type=submit]")
    expect(page.locator("#secret")).to_be_visible()
    secret = page.locator("#secret-value").input_value()
    row = page.locator("#keys-body tr", has_text="JICA stock feed")
    expect(row).to_contain_text(f"concord_…{secret[-4:]}")
    stored = page.evaluate("JSON.stringify({...sessionStorage, ...localStorage})")
    acting = me_with(served, secret).json()
    findings = checked(page, served, "api-keys")
    page.click("#secret-done")
    expect(page.locator("#secret")).to_be_hidden()

    row.get_by_role("button", name="Revoke").click()
    unconfirmed = row.locator(".field-error").inner_text()
    row.get_by_label("Stop it now").check()
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("#done")).to_have_text(
        "Revoked the key for JICA stock feed: requests with it are refused from now on."
    )
    expect(page.locator("#count")).to_have_text("No active key.")
    page.check("#include-revoked")
    expect(row).to_contain_text("Revoked")
    refused = me_with(served, secret)
    sent = (traffic.keys_of("IssueApiKey"), traffic.keys_of("RevokeApiKey"))
    read_after = (traffic.read_after("IssueApiKey"), traffic.read_after("RevokeApiKey"))

    sign_in(page, served, world.secretariat, "/workbench/api-keys")
    expect(page.locator("#keys-heading")).to_have_text("Every API key")
    theirs = page.locator("#keys-body tr", has_text="DSWD logistics sync")
    expect(theirs).to_contain_text("Relief coordinator · Philippines")
    findings += checked(page, served, "api-keys-secretariat")
    theirs.get_by_label("Stop it now").check()
    theirs.get_by_role("button", name="Revoke").click()
    expect(page.locator("#done")).to_contain_text("Revoked the key for DSWD logistics sync")
    expect(page.locator("#count")).to_have_text("No active key.")  # the donor's was revoked before

    assert findings == []
    assert re.fullmatch(r"concord_[\w-]{43}", secret)
    assert secret not in stored
    assert acting == {"data": {"me": {"role": "DONOR", "organisationId": world.organisation}}}
    assert refused.status_code == 401
    assert unnamed
    assert unconfirmed
    assert [len(keys) for keys in sent] == [1, 1]  # one key per submission; the unnamed one was not sent
    assert all(key for keys in sent for key in keys)
    assert read_after == (True, True)
