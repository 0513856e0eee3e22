"""bench.operation_parts' accounting: which layer a function's file belongs to, and how many
objects an answer holds."""

from __future__ import annotations

from bench.operation_parts import REST, _layer, _objects


def test_each_file_counts_for_its_layer_and_the_plans_generated_code_for_the_api() -> None:
    assert _layer("/venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py") == "SQLAlchemy"
    assert _layer("/venv/lib/python3.11/site-packages/aiosqlite/core.py") == "driver and asyncio"
    assert _layer("/usr/lib/python3.11/asyncio/events.py") == "driver and asyncio"
    assert _layer("/venv/lib/python3.11/site-packages/strawberry/types/field.py") == "GraphQL"
    assert _layer("/venv/lib/python3.11/site-packages/graphql/execution/execute.py") == "GraphQL"
    assert _layer("/work/concord/projections/prepared.py") == "projections"
    assert _layer("/work/concord/services/api/compiled.py") == "API"
    assert _layer("<compiled Offer>") == "API"
    assert _layer("/work/concord/domain/allocation.py") == "domain"
    assert _layer("/usr/lib/python3.11/uuid.py") == REST


def test_an_answers_objects_are_its_dicts_nested_in_lists_and_dicts() -> None:
    answer = {
        "offers": {"totalCount": 2, "edges": [{"node": {"id": "a", "serves": ["PHL"]}}, {"node": None}]}
    }
    assert _objects(answer) == 5  # the answer, offers, two edges, one node
    assert _objects([]) == 0
    assert _objects("text") == 0
