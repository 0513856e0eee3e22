"""The GraphQL contract in graphql/ matches the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from services.api.export_schema import SCHEMA_FILE, render
from services.api.schema import schema

OPERATIONS = sorted((SCHEMA_FILE.parent / "operations").glob("*.graphql"))


def test_the_exported_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "graphql/schema.graphql is stale: run `make schema` and commit it"
    )


def test_there_are_named_operations() -> None:
    assert {p.stem for p in OPERATIONS} >= {"PostRequest", "Request", "Requests"}


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_each_named_operation_is_valid_against_the_schema(path: Path) -> None:
    document = parse(path.read_text(encoding="utf-8"))

    errors = validate(schema._schema, document)

    assert errors == []
    names = [d.name.value for d in document.definitions if getattr(d, "operation", None)]
    assert names == [path.stem]
