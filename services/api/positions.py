"""Log positions a caller sends (``after``, ``Concord-Consistent-With``, cursors): checked here.

The event store keeps positions as signed 64-bit integers, so a larger number names no position
at all: it is refused as bad input before it reaches a query (where the driver would fail).
"""

from __future__ import annotations

from services.api.problems import BadInput

MAX_POSITION = 2**63 - 1


def check_position(position: int, name: str) -> int:
    if not 0 <= position <= MAX_POSITION:
        raise BadInput(name, f"must be a log position, a whole number from 0 to {MAX_POSITION}")
    return position


def parse_position(raw: str, name: str) -> int:
    """A position from text: digits only (no sign, no spaces inside, no decimal point)."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_POSITION)):
        raise BadInput(name, f"must be a log position, a whole number from 0 to {MAX_POSITION}")
    return check_position(int(text), name)
