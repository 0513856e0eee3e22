"""The demo's cast and places: the crises, the organisations, the areas and their towns, the rates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from domain import gazetteer
from domain.codes import MemberState, Sector
from domain.organisations import OrganisationType

Progress = Callable[[int, int, str], None]

#: P-codes of the areas each crisis touches, as OCHA's COD gazetteers list them (domain.gazetteer):
#: admin-2 where the crisis is local (Philippine provinces, Myanmar's districts), else admin-1.
AREAS: dict[MemberState, list[str]] = {
    MemberState.PHL: ["PH19036", "PH10035", "PH10043", "PH19088"],
    MemberState.MMR: ["MMR012", "MMR012D005", "MMR012D001", "MMR001", "MMR001D001", "MMR017"],
    MemberState.THA: ["TH63", "TH32", "TH33", "TH34"],
    MemberState.KHM: ["KH22", "KH13", "KH01"],
}
#: A representative point of each of those areas (its main town, or just inland of a coastal one,
#: so that it lies on land in the dashboard map's 1:50m Natural Earth outlines too), what the
#: demo's safe havens are placed near: P-code -> (latitude, longitude, the town and the area).
PLACES: dict[str, tuple[float, float, str]] = {
    "PH19036": (8.0031, 124.2850, "Marawi, capital of Lanao del Sur (BARMM)"),
    "PH10035": (8.0350, 123.7922, "Tubod, capital of Lanao del Norte"),
    "PH10043": (8.4822, 124.6472, "Cagayan de Oro, Misamis Oriental"),
    "PH19088": (6.8647, 124.4417, "Shariff Aguak, Maguindanao del Sur (BARMM)"),
    "MMR012": (20.1810, 92.8783, "Sittwe, capital of Rakhine State"),
    "MMR012D005": (20.5930, 93.1900, "Mrauk-U, Mrauk-U District, Rakhine State"),
    "MMR012D001": (20.2050, 93.0450, "Pauktaw, Sittwe District, Rakhine State"),
    "MMR001": (25.3833, 97.3950, "Myitkyina, capital of Kachin State"),
    "MMR001D001": (25.3500, 97.4400, "Waingmaw, Myitkyina District, Kachin State"),
    "MMR017": (16.7792, 94.7325, "Pathein, capital of Ayeyarwady Region"),
    "TH63": (16.8798, 99.1257, "Tak, capital of Tak province"),
    "TH32": (14.8818, 103.4936, "Surin, capital of Surin province"),
    "TH33": (15.1186, 104.3220, "Si Sa Ket, capital of Si Sa Ket province"),
    "TH34": (15.2287, 104.8564, "Ubon Ratchathani, capital of its province"),
    "KH22": (14.1817, 103.5176, "Samraong, capital of Oddar Meanchey"),
    "KH13": (13.8131, 104.9806, "Tbeng Meanchey, capital of Preah Vihear"),
    "KH01": (13.5859, 102.9737, "Serei Saophoan, capital of Banteay Meanchey"),
}
NEAR = 0.01  # degrees (about a kilometre): how far from its area's point a demo haven may lie
RATES = {
    "USD": "1",
    "JPY": "0.0067",
    "EUR": "1.08",
    "AUD": "0.66",
    "KRW": "0.00073",
    "CNY": "0.14",
    "GBP": "1.27",
    "NZD": "0.61",
    "CAD": "0.73",
    "SGD": "0.74",
    "MYR": "0.21",
    "THB": "0.028",
    "IDR": "0.000063",
    "PHP": "0.0171",
}


@dataclass(frozen=True)
class Org:
    name: str
    kind: OrganisationType
    currency: str
    state: MemberState | None = None


ORGANISATIONS = [
    *(
        Org(f"Government of {s.label}", OrganisationType.MEMBER_STATE_GOVERNMENT, "USD", s)
        for s in MemberState
    ),
    Org("Government of Japan", OrganisationType.DIALOGUE_PARTNER, "JPY"),
    Org("Government of Australia", OrganisationType.DIALOGUE_PARTNER, "AUD"),
    Org("Government of the Republic of Korea", OrganisationType.DIALOGUE_PARTNER, "KRW"),
    Org("Government of China", OrganisationType.DIALOGUE_PARTNER, "CNY"),
    Org("European Union", OrganisationType.DIALOGUE_PARTNER, "EUR"),
    Org("Government of New Zealand", OrganisationType.DIALOGUE_PARTNER, "NZD"),
    Org("Government of Canada", OrganisationType.DIALOGUE_PARTNER, "CAD"),
    Org("United Kingdom", OrganisationType.DIALOGUE_PARTNER, "GBP"),
    Org("UNHCR", OrganisationType.UN_AGENCY, "USD"),
    Org("World Food Programme", OrganisationType.UN_AGENCY, "USD"),
    Org("UNICEF", OrganisationType.UN_AGENCY, "USD"),
    Org("International Organization for Migration", OrganisationType.UN_AGENCY, "USD"),
    Org("UNDP", OrganisationType.UN_AGENCY, "USD"),
    Org("World Health Organization", OrganisationType.UN_AGENCY, "USD"),
    Org("UNFPA", OrganisationType.UN_AGENCY, "USD"),
    Org("Asian Development Bank", OrganisationType.INTERNATIONAL_FINANCIAL_INSTITUTION, "USD"),
    Org("World Bank", OrganisationType.INTERNATIONAL_FINANCIAL_INSTITUTION, "USD"),
    Org("IFRC", OrganisationType.RED_CROSS_RED_CRESCENT, "USD"),
    Org("Philippine Red Cross", OrganisationType.RED_CROSS_RED_CRESCENT, "PHP"),
    Org("Thai Red Cross Society", OrganisationType.RED_CROSS_RED_CRESCENT, "THB"),
    Org("Myanmar Red Cross Society", OrganisationType.RED_CROSS_RED_CRESCENT, "USD"),
    Org("Cambodian Red Cross", OrganisationType.RED_CROSS_RED_CRESCENT, "USD"),
    Org("Save the Children", OrganisationType.NGO, "GBP"),
    Org("Oxfam", OrganisationType.NGO, "GBP"),
    Org("World Vision", OrganisationType.NGO, "USD"),
    Org("CARE International", OrganisationType.NGO, "USD"),
    Org("MERCY Malaysia", OrganisationType.NGO, "MYR"),
    Org("Dompet Dhuafa", OrganisationType.NGO, "IDR"),
    Org("Muhammadiyah Disaster Management Center", OrganisationType.NGO, "IDR"),
    Org("Singapore Red Cross", OrganisationType.RED_CROSS_RED_CRESCENT, "SGD"),
    Org("AHA Centre Logistics Partners", OrganisationType.PRIVATE, "USD"),
]


@dataclass(frozen=True)
class CrisisPlan:
    name: str
    states: tuple[MemberState, ...]
    started_days_ago: int
    share: float  # of the requests


CRISES = [
    CrisisPlan("Marawi conflict recovery", (MemberState.PHL,), 150, 0.4),
    CrisisPlan("Rakhine and Kachin displacement", (MemberState.MMR, MemberState.THA), 90, 0.4),
    CrisisPlan("Thai-Cambodian border clashes", (MemberState.THA, MemberState.KHM), 30, 0.2),
]


@dataclass
class Tally:
    """What the demo wrote, and how many commands the domain refused on the way."""

    written: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    refusals: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.written[what] = self.written.get(what, 0) + 1


GROUPS = [
    "returnee families",
    "displaced households",
    "the evacuation centre",
    "host communities",
    "schools reopening",
    "the health post",
    "women-headed households",
    "children under five",
]
SITE_NAMES = ["Evacuation centre", "Transit site", "Collective centre"]


def area_name(code: str) -> str:
    listed = gazetteer.area(code)
    return listed.name if listed else code


PROJECTS = {
    Sector.PB_CAP: "Training local disaster-risk officers",
    Sector.PB_INS: "Restoring the municipal civil registry",
    Sector.PB_EDX: "Teacher exchange and curriculum review",
    Sector.PB_REC: "Community reconciliation dialogues",
    Sector.ERY: "Rebuilding the public market and roads",
}
