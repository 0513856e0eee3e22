"""An operation's cost (fields, depth, aliases once fragments are expanded) is bounded before it
runs, and measuring it takes time in proportion to the text, not to the expansion."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from graphql import (
    GraphQLError,
    OverlappingFieldsCanBeMergedRule,
    get_introspection_query,
    parse,
    specified_rules,
    validate,
)

from services.api.dashboard import operations_dir
from services.api.schema import (
    _LIMIT_RULES,
    _MERGE_RULE,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_MERGE_STEPS,
    MAX_SELECTIONS,
    schema,
)
from services.api.schema.cost import operation_costs
from tests.api import doubling_fragments

RULES = [
    *(_MERGE_RULE if r is OverlappingFieldsCanBeMergedRule else r for r in specified_rules),
    *_LIMIT_RULES,
]
MERGE_REFUSED = (
    f"Checking that fields of one name can be merged would take more than {MAX_MERGE_STEPS} steps: "
    "repeat a field, or spread fragments side by side, fewer times"
)


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


def merge_steps(document: str) -> int:
    """Steps the overlapping-fields rule took, counted as graphql-core counts them; past the
    budget, the rule stops before the end of the document."""
    taken: list[int] = []

    class Counting(_MERGE_RULE):  # type: ignore[misc,valid-type]
        def leave_document(self, *_: object) -> None:
            taken.append(MAX_MERGE_STEPS - self.rule_context.remaining_complexity_budget)

    validate(schema._schema, parse(document), [Counting])
    return taken[0] if taken else MAX_MERGE_STEPS + 1


def fragments_side_by_side(count: int, body: str = "me { role }", on: str = "Query") -> str:
    definitions = " ".join(f"fragment S{i} on {on} {{ {body} }}" for i in range(count))
    return " ".join(f"...S{i}" for i in range(count)), definitions


def hostile_shapes() -> dict[str, str]:
    """Each within the depth, alias, field and token limits; each took 0.1-2 s to validate."""
    spreads, definitions = fragments_side_by_side(300)
    nested_spreads, nested = fragments_side_by_side(300, body="role", on="Me")
    half = [fragments_side_by_side(150, body=f"me {{ {leaf} }}") for leaf in ("role", "subject")]
    return {
        "one field 200 times": "{ " + "me { role } " * 200 + "}",
        "one leaf 990 times": "{ " + "__typename " * 990 + "}",
        "30 fields repeating one 30 times": "{ " + ("me { " + "role " * 30 + "} ") * 30 + "}",
        "300 fragments side by side": f"query Q {{ {spreads} }} {definitions}",
        "300 fragments in a field": f"query Q {{ me {{ {nested_spreads} }} }} {nested}",
        "two fragments of 150 each": (
            f"query Q {{ ...A ...B }} fragment A on Query {{ {half[0][0]} }} {half[0][1]} "
            f"fragment B on Query {{ {half[1][0].replace('S', 'T')} }} {half[1][1].replace('S', 'T')}"
        ),
        "an unused fragment": "{ me { role } } fragment U on Query { " + "me { role } " * 900 + "}",
    }


@pytest.mark.parametrize("shape", hostile_shapes())
def test_repeated_fields_and_spreads_are_refused_once_their_comparisons_exceed_the_budget(shape: str) -> None:
    assert MERGE_REFUSED in messages(hostile_shapes()[shape])


@pytest.mark.parametrize("repeated", ["me { role } ", "__typename "])
def test_the_most_repetition_allowed_stays_within_the_budget(repeated: str) -> None:
    """The steps grow with the square of the copies; the budget caps them whatever the shape (the
    work is counted, not timed: its speed is the benchmark's business)."""
    copies = next(n for n in range(2, 1000) if merge_steps("{ " + repeated * (n + 1) + "}") > MAX_MERGE_STEPS)
    allowed = "{ " + repeated * copies + "}"

    errors = messages(allowed)

    assert errors == []
    assert merge_steps(allowed) <= MAX_MERGE_STEPS
    assert MERGE_REFUSED in messages("{ " + repeated * (copies + 1) + "}")


def test_named_operations_and_introspection_take_a_small_part_of_the_budget() -> None:
    documents = [p.read_text(encoding="utf-8") for p in operations_dir().glob("*.graphql")]

    steps = [merge_steps(document) for document in [*documents, get_introspection_query()]]

    assert max(steps) <= MAX_MERGE_STEPS // 100


def test_too_many_conflicts_still_end_with_graphql_cores_own_message() -> None:
    """The rule's own conflicts, past a hundred errors, abort the validation as before."""
    pages = " ".join(f"requests(first: {n}) {{ totalCount }}" for n in range(1, 16))  # 105 conflicting pairs

    errors = messages(f"{{ {pages} }}")

    assert errors[-1] == "Too many validation errors, error limit reached. Validation aborted."
