"""Fixtures of the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.test_dashboard import BROWSER_FLAGS, CHROMIUM


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Headless Chromium for a module's tests in turn, each in a browser context of its own (its own
    cookies, storage and pages). Starting Playwright's driver and the browser cost more than a second
    of CPU for each test; a module's tests mostly follow one another on a pytest-xdist worker."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_FLAGS)
        yield browser
        browser.close()
