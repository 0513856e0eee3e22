"""services/api/correlation.py: the caller's id or a new random UUID, chosen from the raw headers as
from Starlette's ``Headers``."""

from __future__ import annotations

import uuid

import pytest
from starlette.datastructures import Headers

from services.api.correlation import chosen, chosen_in, new_id


def test_a_new_id_is_the_text_of_a_random_uuid() -> None:
    ids = {new_id() for _ in range(2000)}

    assert len(ids) == 2000
    for each in ids:
        made = uuid.UUID(each)
        assert str(made) == each
        assert made.version == 4
        assert made.variant == uuid.RFC_4122


@pytest.mark.parametrize(
    "raw",
    [
        [(b"x-correlation-id", b"abc")],
        [(b"x-request-id", b"from-proxy")],
        [(b"x-request-id", b"second"), (b"x-correlation-id", b"first")],
        [(b"x-correlation-id", b""), (b"x-request-id", b"fallback")],
        [(b"x-correlation-id", b"x" * 101), (b"x-request-id", b"short")],
        [(b"x-correlation-id", b"tab\there"), (b"x-request-id", b"printable")],
        [(b"x-correlation-id", b"one"), (b"x-correlation-id", b"two")],
        [(b"x-correlation-id", "caf\u00e9".encode("latin-1"))],
    ],
)
def test_the_raw_headers_choose_as_starlettes_headers_do(raw: list[tuple[bytes, bytes]]) -> None:
    assert chosen_in(raw) == chosen(Headers(raw=raw))


@pytest.mark.parametrize("raw", [[], [(b"x-correlation-id", b"\x01")], [(b"x-request-id", b"x" * 101)]])
def test_without_a_usable_id_a_new_one_is_made(raw: list[tuple[bytes, bytes]]) -> None:
    assert uuid.UUID(chosen_in(raw)).version == 4
