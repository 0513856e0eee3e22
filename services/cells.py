"""Spreadsheet cells written as text and read back: the one rule for what a spreadsheet would run
as a formula (OWASP, CSV injection), shared by the HXL exports and the uploads that read them."""

from __future__ import annotations

#: What a spreadsheet reads as the start of a formula, also behind the leading blanks some strip
#: on import; a leading tab or line break is itself such a start.
FORMULA_START = ("=", "+", "-", "@")
_BLANKS = " \t\r\n"


def inert(text: str) -> str:
    """Text as text: a cell that a spreadsheet would evaluate gets a leading apostrophe."""
    if text[:1] in ("\t", "\r", "\n") or text.lstrip(_BLANKS).startswith(FORMULA_START):
        return "'" + text
    return text


def as_written(cell: str) -> str:
    """The text ``inert`` was given: its apostrophe taken off again, and only that one."""
    if cell.startswith("'") and inert(cell[1:]) != cell[1:]:
        return cell[1:]
    return cell
