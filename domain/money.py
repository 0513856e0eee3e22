"""Money as FTS and IATI record it: an amount in its original ISO 4217 currency, the exchange rate
and date used, and the US dollar value. Decimal throughout, never float."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from domain.errors import InvalidInput
from domain.text import check_characters

#: ISO 4217 codes Concord accepts, with their minor units: the ASEAN members' currencies and
#: those of the usual donors (dialogue partners, the EU, the Nordic and Swiss donors).
MINOR_UNITS: dict[str, int] = {
    "USD": 2, "EUR": 2, "JPY": 0, "GBP": 2, "AUD": 2, "CAD": 2, "CNY": 2, "INR": 2, "KRW": 0,
    "NZD": 2, "RUB": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2,
    "BND": 2, "KHR": 2, "IDR": 2, "LAK": 2, "MYR": 2, "MMK": 2, "PHP": 2, "SGD": 2, "THB": 2,
    "VND": 0,
}  # fmt: skip
AMOUNT_MAX = Decimal("1e15")
CENT = Decimal("0.01")


def check_amount(amount: Decimal, currency: str, field: str = "amount") -> Decimal:
    """A positive amount with no more decimals than the currency has minor units."""
    if check_characters("currency", currency) not in MINOR_UNITS:
        raise InvalidInput("currency", f"{currency!r} is not an ISO 4217 currency Concord accepts")
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(field, "must be greater than zero")
    if amount >= AMOUNT_MAX:
        raise InvalidInput(field, "is too large")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MINOR_UNITS[currency]:
        raise InvalidInput(field, f"{currency} has {MINOR_UNITS[currency]} decimal places")
    return amount


@dataclass(frozen=True)
class Conversion:
    """How many US dollars one unit of the currency was worth, and on which day."""

    usd_rate: Decimal
    on: date

    def usd(self, amount: Decimal) -> Decimal:
        return (amount * self.usd_rate).quantize(CENT, rounding=ROUND_HALF_EVEN)

    @classmethod
    def checked(cls, currency: str, usd_rate: Decimal, on: date) -> Conversion:
        if currency == "USD" and usd_rate != 1:
            raise InvalidInput("usdRate", "a US dollar is worth one US dollar")
        if not usd_rate.is_finite() or usd_rate <= 0:
            raise InvalidInput("usdRate", "must be greater than zero")
        return cls(usd_rate, on)
