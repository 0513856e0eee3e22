"""The OpenAPI document of the REST routes is valid OpenAPI 3.1 and documents their errors."""

from __future__ import annotations

from pathlib import Path

from openapi_spec_validator import validate

from services.api.app import create_app
from services.settings import Settings


def test_the_openapi_document_is_valid(tmp_path: Path) -> None:
    document = create_app(Settings(data_dir=tmp_path)).openapi()

    validate(document)  # raises on an invalid document

    operations = {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    assert "GET /events" in operations
    assert "GET /exports/requests.csv" in operations
    for name, operation in operations.items():
        assert "200" in operation["responses"], name
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert "application/problem+json" in response["content"], (name, status)
