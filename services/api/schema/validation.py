"""Validation as strawberry's ``ValidationCache`` does it, plus what it cannot do: the limits first,
alone, so that a document they refuse costs no more (graphql-core's overlapping-fields rule is
quadratic in repeated fields), and that rule with a smaller budget of work (``cost.merge_rule``);
no "Did you mean …" suggestions (production: with introspection off, they would spell out the
schema field by field); the input of a refused enum literal named. A long document is validated off
the event loop, so that however long its validation takes, other callers' requests go on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from functools import lru_cache

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OverlappingFieldsCanBeMergedRule,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from services.api.schema.enums import located_in_document

#: Longer documents are validated in a thread; every named operation is shorter.
OFF_LOOP_CHARACTERS = 2_000


@lru_cache(maxsize=256)
def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    limits: tuple[type[ASTValidationRule], ...],
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    refused = validate(schema, document, limits)
    if refused:
        return refused
    everything = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
    errors = validate(schema, document, everything, hide_suggestions=hide_suggestions)
    return located_in_document(errors, document)


class Validation(SchemaExtension):
    """Cached by the parsed document (the same object for the same text, from ``ParserCache``)."""

    def __init__(
        self,
        *,
        limits: Sequence[type[ASTValidationRule]],
        merging: type[ASTValidationRule],
        hide_suggestions: bool,
    ) -> None:
        """``merging`` takes the place of graphql-core's overlapping-fields rule."""
        super().__init__()
        self._limits = tuple(limits)
        self._merging = merging
        self._hide_suggestions = hide_suggestions

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        arguments = (
            context.schema._schema,  # noqa: SLF001 (strawberry keeps the graphql-core schema there)
            context.graphql_document,
            self._limits,
            tuple(
                self._merging if r is OverlappingFieldsCanBeMergedRule else r
                for r in context.validation_rules
            ),
            self._hide_suggestions,
        )
        if len(context.query or "") > OFF_LOOP_CHARACTERS:
            context.pre_execution_errors = await asyncio.to_thread(_validate, *arguments)
        else:
            context.pre_execution_errors = _validate(*arguments)
        yield
