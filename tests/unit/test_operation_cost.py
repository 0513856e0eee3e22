"""An operation's cost (fields, depth, aliases once fragments are expanded) is bounded before it
runs, and measuring it takes time in proportion to the text, not to the expansion."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from graphql import GraphQLError, parse, specified_rules, validate

from services.api.dashboard import operations_dir
from services.api.schema import _LIMIT_RULES, MAX_ALIASES, MAX_DEPTH, MAX_SELECTIONS, schema
from services.api.schema.cost import operation_costs
from tests.api import doubling_fragments

RULES = [*specified_rules, *_LIMIT_RULES]


def messages(document: str) -> list[str]:
    return [error.message for error in validate(schema._schema, parse(document), RULES)]


@pytest.mark.parametrize("levels", [20, 21])
def test_an_exponential_expansion_is_refused_without_being_expanded(levels: int) -> None:
    started = time.perf_counter()
    errors: list[GraphQLError] = validate(schema._schema, parse(doubling_fragments(levels)), RULES)
    elapsed = time.perf_counter() - started

    expanded = 2 * 2**levels  # me and role, in each copy of the last fragment
    assert [e.message for e in errors] == [
        f"'Q1' selects {expanded} fields once its fragments are expanded; "
        f"at most {MAX_SELECTIONS} are allowed"
    ]
    assert elapsed < 2  # a generous bound: the expansion itself would take seconds, doubling per level


def test_a_modest_expansion_is_allowed() -> None:
    assert messages(doubling_fragments(6)) == []  # 128 fields


def test_depth_is_counted_through_fragments() -> None:
    """Each fragment nests one more field: the depth is only visible once they are expanded."""
    levels = MAX_DEPTH + 1
    chain = " ".join(f"fragment D{i} on Query {{ me {{ ...D{i + 1} }} }}" for i in range(levels))
    document = f"query Deep {{ ...D0 }} {chain} fragment D{levels} on Query {{ me {{ role }} }}"

    depths = [cost.depth for cost in operation_costs(parse(document).definitions).values()]

    assert depths == [levels + 1]
    assert f"'Deep' exceeds maximum operation depth of {MAX_DEPTH}" in messages(document)


def test_aliases_are_counted_in_every_copy_of_a_fragment() -> None:
    document = doubling_fragments(5, last="role: me { role }")  # 32 copies of one alias

    assert f"32 aliases found. Allowed: {MAX_ALIASES}" in messages(document)


def test_fragment_cycles_are_still_refused() -> None:
    document = "query Loop { ...A } fragment A on Query { me { role } ...B } fragment B on Query { ...A }"

    assert messages(document) == ["Cannot spread fragment 'A' within itself via 'B'."]


def test_a_long_chain_of_fragments_is_measured_without_recursion() -> None:
    links = 600
    chain = " ".join(f"fragment L{i} on Query {{ ...L{i + 1} }}" for i in range(links))
    document = f"{{ ...L0 }} {chain} fragment L{links} on Query {{ me {{ role }} }}"

    costs = list(operation_costs(parse(document).definitions).values())

    assert [(cost.selections, cost.depth) for cost in costs] == [(2, 1)]


@pytest.mark.parametrize("path", sorted(operations_dir().glob("*.graphql")), ids=lambda p: p.stem)
def test_every_named_operation_is_within_the_limits(path: Path) -> None:
    assert messages(path.read_text(encoding="utf-8")) == []


async def test_a_document_over_the_limits_is_not_validated_further() -> None:
    """graphql-core's overlapping-fields rule is quadratic in repeated fields: 900 took seconds."""
    repeated = "{ " + "me { role } " * 900 + "}"

    result = await schema.execute(repeated)

    assert [error.message for error in result.errors or []] == [
        "'anonymous' selects 1800 fields once its fragments are expanded; "
        f"at most {MAX_SELECTIONS} are allowed"
    ]
