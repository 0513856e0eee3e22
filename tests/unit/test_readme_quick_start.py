"""The README's quick start names what a new user will see: every button, link and choice it names
in bold is on the workbench's pages, and every value it names in italics is in the demo's crises,
the shared code lists or the state's admin areas, so the path from `make run` to a posted need stays
true as they change."""

from __future__ import annotations

import re
from pathlib import Path

from domain.codes import MemberState, Sector
from domain.gazetteer import areas_of
from domain.items import ITEMS
from services.demo import CRISES

ROOT = Path(__file__).resolve().parents[2]


def quick_start() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"From `make run` to a posted need.*?\n(1\. .*?)\n\n", readme, re.S)
    assert found is not None
    return found.group(1)


def test_every_control_the_quick_start_names_is_on_the_workbenchs_pages() -> None:
    web = (ROOT / "services" / "web").iterdir()
    pages = " ".join(path.read_text(encoding="utf-8") for path in web if path.suffix in {".html", ".js"})
    named = re.findall(r"\*\*(.+?)\*\*", quick_start())
    states = {state.label: state for state in MemberState}
    crisis = next(plan for plan in CRISES if f"*{plan.name}*" in quick_start())

    assert "Post a need" in named
    assert [name for name in named if name not in pages and name not in states] == []
    assert [states[name] for name in named if name in states] == list(crisis.states)  # its coordinator


def test_every_value_the_quick_start_picks_is_in_the_demo_and_the_code_lists() -> None:
    picked = re.findall(r"(?<!\*)\*([^*]+?)\*(?!\*)", quick_start())
    areas = {area.name: area.code for area in areas_of(MemberState.PHL)}
    values = {plan.name for plan in CRISES} | {Sector.SHL.label} | {item.name for item in ITEMS.values()}

    assert picked == [
        "Marawi conflict recovery",
        "Shelter and non-food items",
        "Tarpaulin, 4 x 6 m",
        "Lanao del Sur",
    ]
    assert [value for value in picked[:3] if value not in values] == []
    assert f"its P-code `{areas[picked[3]]}`" in quick_start()  # the gazetteer's code for the name
