"""Write the GraphQL contract, graphql/schema.graphql, from the code (`make schema`)."""

from __future__ import annotations

import sys
from pathlib import Path

from strawberry.printer import print_schema

from services.api.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


def render() -> str:
    return print_schema(schema) + "\n"


def main() -> None:
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_FILE}\n")


if __name__ == "__main__":
    main()
