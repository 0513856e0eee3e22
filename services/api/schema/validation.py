"""Validation as strawberry's ``ValidationCache`` does it, plus two things it cannot do: leave out
graphql-core's "Did you mean …" suggestions (production: with introspection off, they would spell
out the schema field by field) and name the input of a refused enum literal."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from services.api.schema.enums import located_in_document


@lru_cache(maxsize=256)
def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    everything = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
    errors = validate(schema, document, everything, hide_suggestions=hide_suggestions)
    return located_in_document(errors, document)


class Validation(SchemaExtension):
    """Cached by the parsed document (the same object for the same text, from ``ParserCache``)."""

    def __init__(self, *, hide_suggestions: bool) -> None:
        super().__init__()
        self._hide_suggestions = hide_suggestions

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = _validate(
            context.schema._schema,  # noqa: SLF001 (strawberry keeps the graphql-core schema there)
            context.graphql_document,
            tuple(context.validation_rules),
            self._hide_suggestions,
        )
        yield
