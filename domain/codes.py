"""Code lists shared by every part of Concord: member states (ISO 3166-1) and sectors (HXL #sector)."""

from __future__ import annotations

import enum


class MemberState(enum.Enum):
    """The eleven ASEAN member states by ISO 3166-1 alpha-3 code (Timor-Leste since October 2025)."""

    BRN = "BRN"
    KHM = "KHM"
    IDN = "IDN"
    LAO = "LAO"
    MYS = "MYS"
    MMR = "MMR"
    PHL = "PHL"
    SGP = "SGP"
    THA = "THA"
    VNM = "VNM"
    TLS = "TLS"

    @property
    def iso2(self) -> str:
        return _ISO2[self]

    @property
    def label(self) -> str:
        return _NAMES[self]


_ISO2 = {
    MemberState.BRN: "BN",
    MemberState.KHM: "KH",
    MemberState.IDN: "ID",
    MemberState.LAO: "LA",
    MemberState.MYS: "MY",
    MemberState.MMR: "MM",
    MemberState.PHL: "PH",
    MemberState.SGP: "SG",
    MemberState.THA: "TH",
    MemberState.VNM: "VN",
    MemberState.TLS: "TL",
}

_NAMES = {
    MemberState.BRN: "Brunei Darussalam",
    MemberState.KHM: "Cambodia",
    MemberState.IDN: "Indonesia",
    MemberState.LAO: "Lao PDR",
    MemberState.MYS: "Malaysia",
    MemberState.MMR: "Myanmar",
    MemberState.PHL: "Philippines",
    MemberState.SGP: "Singapore",
    MemberState.THA: "Thailand",
    MemberState.VNM: "Viet Nam",
    MemberState.TLS: "Timor-Leste",
}


class Sector(enum.Enum):
    """IASC cluster codes as HXL ``#sector`` values, plus the peace-building sectors of annex V.2.

    No standard codes exist for peace building; the ``PB-`` codes are Concord's own.
    """

    CCM = "CCM"
    EDU = "EDU"
    ERY = "ERY"
    ETC = "ETC"
    FSC = "FSC"
    HEA = "HEA"
    LOG = "LOG"
    NUT = "NUT"
    PRO = "PRO"
    PRO_GBV = "PRO-GBV"
    PRO_CPN = "PRO-CPN"
    PRO_HLP = "PRO-HLP"
    PRO_MIN = "PRO-MIN"
    SHL = "SHL"
    WSH = "WSH"
    MPC = "MPC"
    CSS = "CSS"
    PB_CAP = "PB-CAP"
    PB_INS = "PB-INS"
    PB_EDX = "PB-EDX"
    PB_REC = "PB-REC"

    @property
    def label(self) -> str:
        return _SECTOR_NAMES[self]

    @classmethod
    def _missing_(cls, value: object) -> Sector | None:
        """GraphQL spells a code by its name (``PB_REC``): read it as the code (``PB-REC``) too."""
        return cls.__members__.get(value) if isinstance(value, str) else None


_SECTOR_NAMES = {
    Sector.CCM: "Camp coordination and camp management",
    Sector.EDU: "Education",
    Sector.ERY: "Early recovery",
    Sector.ETC: "Emergency telecommunications",
    Sector.FSC: "Food security",
    Sector.HEA: "Health",
    Sector.LOG: "Logistics",
    Sector.NUT: "Nutrition",
    Sector.PRO: "Protection",
    Sector.PRO_GBV: "Protection: gender-based violence",
    Sector.PRO_CPN: "Protection: child protection",
    Sector.PRO_HLP: "Protection: housing, land and property",
    Sector.PRO_MIN: "Protection: mine action",
    Sector.SHL: "Shelter and non-food items",
    Sector.WSH: "Water, sanitation and hygiene",
    Sector.MPC: "Multipurpose cash",
    Sector.CSS: "Coordination and support services",
    Sector.PB_CAP: "Human resources development and capacity building",
    Sector.PB_INS: "Institution building and popular participation",
    Sector.PB_EDX: "Educational exchanges and curriculum reform",
    Sector.PB_REC: "Reconciliation and a culture of peace",
}
