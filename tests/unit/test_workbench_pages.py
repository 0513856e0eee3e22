"""Every signed-in page of the workbench holds the one header's placeholder (header.js renders it)
and none of its own, and the landmark the skip link leads to."""

from __future__ import annotations

import re

import pytest

from services.api.workbench import PAGES, WEB_DIR

PLACEHOLDER = (
    '<header class="bar" data-workbench-header><a class="brand" href="/workbench/">'
    "Concord workbench</a></header>"
)
DOCUMENTED = (WEB_DIR / "header.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("file", sorted(set(PAGES.values())))
def test_the_page_holds_the_headers_placeholder_and_no_header_of_its_own(file: str) -> None:
    html = (WEB_DIR / file).read_text(encoding="utf-8")
    body = html.split("<body>", 1)[1]

    assert body.lstrip().startswith(PLACEHOLDER)  # the banner first, with the way home
    assert len(re.findall(r"<header\b", html)) == 1
    assert 'id="pages"' not in html
    assert 'id="signout"' not in html
    assert re.search(r'<main id="main" tabindex="-1">', html)


def test_the_placeholder_is_documented_where_the_header_is_rendered() -> None:
    assert PLACEHOLDER in DOCUMENTED
