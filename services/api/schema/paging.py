"""Relay paging shared by every connection: page sizes, opaque cursors and ``PageInfo``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Protocol

import strawberry

from services.api.positions import check_position
from services.api.problems import BadInput

MAX_PAGE = 100
_CURSOR_PREFIX = "position:"


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def encode_cursor(posted_position: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{posted_position}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_CURSOR_PREFIX):
            return check_position(int(text.removeprefix(_CURSOR_PREFIX)), "after")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise BadInput("after", f"{cursor!r} is not a cursor of this list")


def check_first(first: int) -> None:
    if not 0 <= first <= MAX_PAGE:
        raise BadInput("first", f"must be from 0 to {MAX_PAGE}")


class _Edge(Protocol):
    @property
    def cursor(self) -> str: ...


def page_info(
    edges: Sequence[_Edge],
    *,
    has_next: bool,
    after: str | None,
) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
