"""What a text of a command may hold: the one check every text input of every command goes through.

Control characters other than tab, line feed and carriage return, Unicode non-characters
(U+FFFE, U+FFFF and their kin) and lone surrogates are refused: they carry no meaning for a
reader, PostgreSQL refuses NUL in a text column, and XML (the IATI export) refuses most of them.
Events recorded before this check may still hold them: the read side passes such text through
``replace_unsafe`` where it leaves for SQL rows and XML, so that one event never halts a read model.
"""

from __future__ import annotations

import re

from domain.errors import InvalidInput

REPLACEMENT = "\ufffd"  # shown where an unsafe character of an old event stood

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
#: C0 controls but tab, LF and CR; DEL and the C1 controls; surrogates; non-characters.
UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")


def check_characters(field: str, value: str) -> str:
    """``value`` as given, or InvalidInput naming ``field`` and the first unsafe character."""
    found = UNSAFE.search(value)
    if found is not None:
        raise InvalidInput(
            field,
            f"must not contain control characters or non-characters "
            f"(U+{ord(found.group()):04X} at position {found.start() + 1})",
        )
    return value


def text(field: str, value: str, maximum: int, *, required: bool) -> str:
    """A free text of a command, trimmed: safe characters only, at most ``maximum`` of them."""
    value = check_characters(field, value).strip()
    if required and not value:
        raise InvalidInput(field, "must not be empty")
    if len(value) > maximum:
        raise InvalidInput(field, f"must be at most {maximum} characters (got {len(value)})")
    return value


def replace_unsafe(value: str) -> str:
    """``value`` with each unsafe character replaced by U+FFFD: for text recorded before the check."""
    if value.isprintable():  # the common case, checked in C: no control or unassigned character
        return value
    return UNSAFE.sub(REPLACEMENT, value)
