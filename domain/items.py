"""The shared item list: one taxonomy for needs and offers, so that the two can be matched.

No single standard list exists across clusters; these codes are Concord's own, grouped by the
IASC cluster (HXL #sector) that usually handles them, each with its unit of measure.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from domain.codes import Sector
from domain.errors import InvalidInput
from domain.text import check_characters


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    sector: Sector
    unit: str


ITEMS: dict[str, Item] = {
    item.code: item
    for item in (
        Item("SHL-TARP", "Tarpaulin, 4 x 6 m", Sector.SHL, "piece"),
        Item("SHL-TENT", "Family tent", Sector.SHL, "piece"),
        Item("SHL-KIT", "Shelter repair kit", Sector.SHL, "kit"),
        Item("SHL-BLANKET", "Blanket", Sector.SHL, "piece"),
        Item("SHL-NFI", "Household non-food item kit", Sector.SHL, "kit"),
        Item("FSC-RICE", "Rice", Sector.FSC, "tonne"),
        Item("FSC-FOODPACK", "Family food pack", Sector.FSC, "pack"),
        Item("NUT-RUTF", "Ready-to-use therapeutic food", Sector.NUT, "carton"),
        Item("WSH-WATER", "Drinking water", Sector.WSH, "litre"),
        Item("WSH-PURIFIER", "Water purification unit", Sector.WSH, "unit"),
        Item("WSH-HYGIENE", "Hygiene kit", Sector.WSH, "kit"),
        Item("WSH-LATRINE", "Emergency latrine", Sector.WSH, "unit"),
        Item("HEA-EMT", "Emergency medical team", Sector.HEA, "team"),
        Item("HEA-IEHK", "Interagency emergency health kit", Sector.HEA, "kit"),
        Item("HEA-MEDICINE", "Essential medicines", Sector.HEA, "kit"),
        Item("LOG-TRUCK", "Truck with driver", Sector.LOG, "truck-day"),
        Item("LOG-WAREHOUSE", "Mobile storage unit", Sector.LOG, "unit"),
        Item("ETC-SATPHONE", "Satellite phone", Sector.ETC, "piece"),
        Item("EDU-SCHOOLKIT", "School-in-a-box kit", Sector.EDU, "kit"),
        Item("PRO-CFS", "Child-friendly space", Sector.PRO_CPN, "unit"),
        Item("PRO-DIGNITY", "Dignity kit", Sector.PRO_GBV, "kit"),
        Item("PRO-DEMINING", "Mine clearance team", Sector.PRO_MIN, "team"),
        Item("CCM-SITE", "Site management support", Sector.CCM, "team"),
        Item("MPC-CASH", "Multipurpose cash transfer", Sector.MPC, "USD"),
        Item("ERY-DEBRIS", "Debris removal", Sector.ERY, "team-day"),
        Item("PB-TRAINING", "Capacity-building training", Sector.PB_CAP, "course"),
        Item("PB-ADVISER", "Institution-building adviser", Sector.PB_INS, "person-month"),
        Item("PB-EXCHANGE", "Educational exchange place", Sector.PB_EDX, "place"),
        Item("PB-DIALOGUE", "Reconciliation dialogue", Sector.PB_REC, "session"),
    )
}


def item(code: str) -> Item:
    try:
        return ITEMS[check_characters("item", code)]
    except KeyError:
        raise InvalidInput("item", f"{code!r} is not on Concord's item list") from None


#: Declared substitutes: an offer of a listed item may meet a need for the key item. Same sector
#: and unit only (a family tent shelters better than a tarpaulin; an IEHK carries essential
#: medicines). Kept short on purpose: each entry is a judgement the clusters stand behind.
SUBSTITUTES: dict[str, frozenset[str]] = {
    "SHL-TARP": frozenset({"SHL-TENT"}),
    "HEA-MEDICINE": frozenset({"HEA-IEHK"}),
    "SHL-KIT": frozenset({"SHL-NFI"}),
}


def may_serve(needed: str, offered: str) -> bool:
    """Whether an offer of ``offered`` can meet a need for ``needed``: the item itself or a substitute."""
    return offered == needed or offered in SUBSTITUTES.get(needed, frozenset())


@cache
def meets(offered: str) -> tuple[str, ...]:
    """The items whose needs an offer of ``offered`` may meet: itself and those it substitutes
    for, of its own sector, in the list's order (asked once an offer, so kept)."""
    sector = ITEMS[offered].sector
    return tuple(i for i, spec in ITEMS.items() if spec.sector is sector and may_serve(i, offered))
