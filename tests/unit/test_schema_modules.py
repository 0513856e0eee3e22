"""The GraphQL schema's modules import each other without a circle: a concept's module may use
another's types, never the other way round as well. Imports under TYPE_CHECKING and inside
functions count too (strawberry.lazy names a module without importing it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SCHEMA = Path(__file__).resolve().parents[2] / "services" / "api" / "schema"
PACKAGE = "services.api.schema"


def imported_modules(source: str) -> set[str]:
    """The modules of the schema package that ``source`` imports, wherever the import stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == PACKAGE:
                found.update(alias.name for alias in node.names)
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module.split(".")[3])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[3] for a in node.names if a.name.startswith(PACKAGE + "."))
    return found


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle a depth-first walk meets, each as the modules around it."""
    state: dict[str, str] = {}
    path: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == "open":
                found.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_the_walk_finds_a_circle_of_three() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


@pytest.mark.parametrize(
    "source",
    [
        "from services.api.schema.offers import Offer",
        "from services.api.schema import offers",
        "if TYPE_CHECKING:\n    from services.api.schema.offers import Offer",
        "def f():\n    from services.api.schema.offers import Offer",
    ],
)
def test_every_form_of_import_is_seen(source: str) -> None:
    assert imported_modules(source) == {"offers"}


def test_no_module_of_the_schema_imports_another_in_a_circle() -> None:
    graph = {
        path.stem: imported_modules(path.read_text()) - {path.stem, "__init__"}
        for path in SCHEMA.glob("*.py")
        if path.stem != "__init__"
    }

    assert len(graph) > 30, "the schema's modules were not found"
    assert circles(graph) == []
