"""How near an offering party is to the state it would serve: great-circle distance of capitals;
and where each member state lies, so that a place said to be in it can be checked.

Coarse on purpose: it ranks a neighbour's offer above a distant one and says so in kilometres;
routes, ports and border crossings are the logistics cluster's judgement, not the matcher's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Box:
    """A bounding box in degrees: south and north latitude, west and east longitude."""

    south: float
    north: float
    west: float
    east: float

    def holds(self, latitude: float, longitude: float) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


#: Each member state's territory, outlying islands and exclaves included (Oecusse for Timor-Leste,
#: the Natunas for Indonesia, the Batanes and Tawi-Tawi for the Philippines), rounded outwards.
#: A point outside its state's box is certainly not in the state; one inside may still be at sea.
BOUNDS: dict[str, Box] = {
    "BRN": Box(4.0, 5.1, 114.0, 115.4),
    "KHM": Box(9.9, 14.7, 102.3, 107.7),
    "IDN": Box(-11.1, 6.1, 94.9, 141.1),
    "LAO": Box(13.9, 22.6, 100.0, 107.7),
    "MYS": Box(0.8, 7.4, 99.6, 119.3),
    "MMR": Box(9.5, 28.6, 92.1, 101.2),
    "PHL": Box(4.5, 21.2, 116.9, 126.7),
    "SGP": Box(1.1, 1.5, 103.6, 104.5),  # Pedra Branca at 104.4
    "THA": Box(5.6, 20.5, 97.3, 105.7),
    "VNM": Box(8.4, 23.4, 102.1, 109.5),
    "TLS": Box(-9.6, -8.1, 124.0, 127.4),
}


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance between two (latitude, longitude) points on a spherical Earth."""
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(math.sqrt(h))


@cache
def distance_km(a: str, b: str) -> float:
    return great_circle_km(CAPITALS[a], CAPITALS[b])


def proximity(home: str | None, served: str) -> tuple[float, str]:
    """1 within the state itself, falling with distance; 0.5 where the party's home is unknown."""
    if home is None or home not in CAPITALS:
        return UNKNOWN, "offering party is not based in a member state: proximity unknown"
    if home == served:
        return 1.0, "offered from within the requesting state"
    km = distance_km(home, served)
    return _SCALE_KM / (_SCALE_KM + km), f"{km:,.0f} km between capitals ({home} to {served})"
