"""The dashboard map's outlines (world-atlas's Natural Earth 1:50m, vendored): all eleven member
states are there, and the demo's safe havens, wherever its jitter puts them, fall on land in the
state they name rather than in the sea of a simplified coastline."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from domain.codes import MemberState
from services.demo import AREAS, NEAR, PLACES

ATLAS = Path(__file__).resolve().parents[2] / "services" / "api" / "static" / "countries-50m.topojson"
#: ISO 3166-1 numeric, world-atlas's ids (as MEMBERS in services/api/static/map.js).
NUMERIC = {
    "BRN": "096", "KHM": "116", "IDN": "360", "LAO": "418", "MYS": "458", "MMR": "104",
    "PHL": "608", "SGP": "702", "THA": "764", "VNM": "704", "TLS": "626",
}  # fmt: skip
Ring = list[tuple[float, float]]


@cache
def outlines() -> dict[str, list[Ring]]:
    """Each country's rings as (longitude, latitude), decoded from the quantised, delta-encoded arcs."""
    topology: dict[str, Any] = json.loads(ATLAS.read_text(encoding="utf-8"))
    (kx, ky), (dx, dy) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for step_x, step_y in arc:
            x, y = x + step_x, y + step_y
            points.append((x * kx + dx, y * ky + dy))
        arcs.append(points)

    def ring(indices: list[int]) -> Ring:
        points: Ring = []
        for index in indices:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    result = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry.get("arcs", [])
        result[geometry.get("id", "")] = [ring(r) for polygon in polygons for r in polygon]
    return result


def on_land(rings: list[Ring], latitude: float, longitude: float) -> bool:
    """Even-odd rule over every ring: holes and islands included."""
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > latitude) != (y2 > latitude) and longitude < x1 + (latitude - y1) * (x2 - x1) / (
                y2 - y1
            ):
                inside = not inside
    return inside


def test_every_member_state_has_an_outline() -> None:
    assert {s.value for s in MemberState} == set(NUMERIC)
    assert all(outlines()[NUMERIC[state]] for state in NUMERIC)


@pytest.mark.parametrize("code", [code for codes in AREAS.values() for code in codes])
def test_every_demo_place_and_its_neighbourhood_lie_in_its_state_on_the_map(code: str) -> None:
    state = next(s for s, codes in AREAS.items() if code in codes)
    latitude, longitude, _ = PLACES[code]
    rings = outlines()[NUMERIC[state.value]]
    corners = [(latitude + a, longitude + b) for a in (-NEAR, 0, NEAR) for b in (-NEAR, 0, NEAR)]

    assert [corner for corner in corners if not on_land(rings, *corner)] == []
