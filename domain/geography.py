"""How near an offering party is to the state it would serve: great-circle distance of capitals.

Coarse on purpose: it ranks a neighbour's offer above a distant one and says so in kilometres;
routes, ports and border crossings are the logistics cluster's judgement, not the matcher's.
"""

from __future__ import annotations

import math
from functools import cache

CAPITALS: dict[str, tuple[float, float]] = {
    "BRN": (4.9031, 114.9398),  # Bandar Seri Begawan
    "KHM": (11.5564, 104.9282),  # Phnom Penh
    "IDN": (-6.2088, 106.8456),  # Jakarta
    "LAO": (17.9757, 102.6331),  # Vientiane
    "MYS": (3.1390, 101.6869),  # Kuala Lumpur
    "MMR": (19.7633, 96.0785),  # Nay Pyi Taw
    "PHL": (14.5995, 120.9842),  # Manila
    "SGP": (1.3521, 103.8198),  # Singapore
    "THA": (13.7563, 100.5018),  # Bangkok
    "VNM": (21.0278, 105.8342),  # Hanoi
    "TLS": (-8.5569, 125.5603),  # Dili
}
_EARTH_KM = 6371.0
_SCALE_KM = 1000.0  # proximity halves at this distance
UNKNOWN = 0.5


@cache
def distance_km(a: str, b: str) -> float:
    (lat1, lon1), (lat2, lon2) = CAPITALS[a], CAPITALS[b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(h))


def proximity(home: str | None, served: str) -> tuple[float, str]:
    """1 within the state itself, falling with distance; 0.5 where the party's home is unknown."""
    if home is None or home not in CAPITALS:
        return UNKNOWN, "offering party is not based in a member state: proximity unknown"
    if home == served:
        return 1.0, "offered from within the requesting state"
    km = distance_km(home, served)
    return _SCALE_KM / (_SCALE_KM + km), f"{km:,.0f} km between capitals ({home} to {served})"
