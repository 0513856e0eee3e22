"""The workbench's one header in a real headless Chromium: each role's navigation lists the pages
the policy table lets it use and no other, every page it lists works for that role, the skip link
comes first, the banner, navigation and main landmarks are there (the banner and main without
scripts too), and nothing scrolls sideways at 420 px; axe-core finds no serious or critical
violation."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_workbench import Served, keep, page, serious_violations, served

__all__ = ["page", "served"]

NAVIGATION = {
    "coordinator": [
        "My needs", "Post a need", "Proposals and deliveries", "Safe havens", "Movements",
        "Security incidents", "Upload a spreadsheet", "Projects", "API keys", "Dashboard",
    ],
    "donor": [
        "My offers", "Needs I could serve", "Matches", "Pledges and flows", "Upload a spreadsheet",
        "Projects", "API keys", "Dashboard",
    ],
    "secretariat": [
        "Crises", "Organisations", "Matching desk", "Allocation rounds", "Stability Fund",
        "Pledges and refunds", "Projects", "API keys", "Dashboard",
    ],
    "viewer": ["API keys", "Dashboard"],
}  # fmt: skip
WHO = {
    "coordinator": "Signed in as Relief coordinator · Philippines",
    "donor": "Signed in as Donor · JICA",
    "secretariat": "Signed in as Secretariat",
    "viewer": "Signed in as Viewer",
}


def sign_in(page: Page, served: Served, role: str) -> None:
    page.goto(f"{served.base}/workbench/")
    page.wait_for_url(re.compile(r"/workbench/sign-in\?next="))
    page.check(f"input[name=role][value={role}]")
    if role == "coordinator":
        page.select_option("#memberState", "PHL")
    if role == "donor":
        page.select_option("#organisationId", label="JICA")
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.base}/workbench/")
    expect(page.locator(".who")).to_have_text(WHO[role])


def links(page: Page) -> list[tuple[str, str]]:
    return [(link.inner_text(), str(link.get_attribute("href"))) for link in page.locator("#pages a").all()]


def refused_pages(page: Page, served: Served, role: str, offered: list[tuple[str, str]]) -> list[str]:
    """The pages of the navigation that turn the role away once its header is mounted."""
    refused = []
    for name, href in offered:
        if href == "/":
            continue
        page.goto(f"{served.base}{href}")
        expect(page.locator(".who")).to_have_text(WHO[role])
        expect(page.locator("#pages a[aria-current=page]")).to_have_text(name)
        if page.locator("#not-for-role:visible, #not-yours:visible").count():
            refused.append(name)
    return refused


def test_each_roles_navigation_is_the_pages_its_policy_allows_and_each_works_for_it(
    served: Served, page: Page
) -> None:
    offered: dict[str, list[tuple[str, str]]] = {}
    refused: dict[str, list[str]] = {}
    for role in NAVIGATION:
        sign_in(page, served, role)
        offered[role] = links(page)
        refused[role] = refused_pages(page, served, role, offered[role])
        page.click("#signout")
        page.wait_for_url(re.compile(r"/workbench/sign-in"))

    for role, names in NAVIGATION.items():
        assert [name for name, _ in offered[role]] == names, role
        assert refused[role] == [], role


def landmarks(page: Page) -> dict[str, int]:
    return {
        "banner": page.get_by_role("banner").count(),
        "navigation": page.get_by_role("navigation", name="Workbench pages").count(),
        "main": page.get_by_role("main").count(),
        "home": page.get_by_role("banner").get_by_role("link", name="Concord workbench").count(),
    }


def test_the_header_comes_first_with_its_landmarks_and_fits_at_420_px(served: Served, page: Page) -> None:
    sign_in(page, served, "coordinator")
    page.goto(f"{served.base}/workbench/needs")
    expect(page.locator("#pages a")).to_have_count(len(NAVIGATION["coordinator"]))
    scripted = landmarks(page)
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    skipped_to = page.evaluate("document.activeElement.id")
    page.keyboard.press("Tab")  # from the skip link: the next stop is the page's, not the header's
    after_skip = page.evaluate("document.activeElement.closest('header') === null")
    wide = serious_violations(page)
    keep(page, served, "header-1440")
    page.set_viewport_size({"width": 420, "height": 900})
    sideways = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    narrow = serious_violations(page)
    keep(page, served, "header-420")
    browser = page.context.browser
    assert isinstance(browser, Browser)
    plain = browser.new_page(java_script_enabled=False)
    plain.goto(f"{served.base}/workbench/needs")
    without_scripts = landmarks(plain)
    plain.close()

    assert scripted == {"banner": 1, "navigation": 1, "main": 1, "home": 1}
    assert first == "Skip to the content"
    assert skipped_to == "main"
    assert after_skip
    assert not sideways
    assert wide == []
    assert narrow == []
    # Without scripts: still a banner with the way home, and the page's main landmark.
    assert without_scripts == {"banner": 1, "navigation": 0, "main": 1, "home": 1}
