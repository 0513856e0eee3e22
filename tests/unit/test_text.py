"""The one check of a command's text, and the replacement the read side makes for old events."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from domain.errors import InvalidInput
from domain.text import REPLACEMENT, UNSAFE, check_characters, replace_unsafe, text

CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\t\n\r"]
NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\U0001fffe", "\U0010ffff"]
unsafe_characters = st.sampled_from([*CONTROLS, *NONCHARACTERS, "\ud800", "\udfff"])


@given(before=st.text(), bad=unsafe_characters, after=st.text())
def test_any_control_character_or_noncharacter_is_refused_naming_the_field(
    before: str, bad: str, after: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        text("title", f"Tarpaulins{before}{bad}{after}", 10_000, required=True)
    assert refused.value.field == "title"


@pytest.mark.parametrize("allowed", ["\t", "\n", "\r"])
def test_tab_line_feed_and_carriage_return_are_accepted(allowed: str) -> None:
    assert text("description", f"line one{allowed}line two", 100, required=False) == (
        f"line one{allowed}line two"
    )


def test_unicode_text_of_the_region_is_accepted() -> None:
    for words in ["Bạt che cho các gia đình", "ผ้าใบสำหรับครอบครัว", "မိုးကာ", "Tarpaulin 🏕️ (ZWJ\u200d)"]:
        assert check_characters("title", words) == words


def test_the_message_names_the_character_and_its_position() -> None:
    with pytest.raises(InvalidInput, match=r"U\+0000 at position 2"):
        check_characters("title", "a\x00b")


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_replaced_text_passes_the_check_and_is_xml_compatible(value: str) -> None:
    cleaned = replace_unsafe(value)
    assert check_characters("title", cleaned) == cleaned
    assert len(cleaned) == len(value)
    etree.SubElement(etree.Element("narrative"), "text").text = cleaned  # lxml refuses XML-illegal text


def test_safe_text_is_left_as_it_was() -> None:
    assert replace_unsafe("Roofing\tfor 500\nhouseholds") == "Roofing\tfor 500\nhouseholds"
    assert replace_unsafe("a\x00b\x0bc\ufffe") == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}"
    assert UNSAFE.search("\ufffd") is None
