"""The executor the schema runs on: graphql-core's, with plain fields completed in place
(services.api.graphql_core_internals), and an enum value refused in a variable named where it was."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from services.api.graphql_core_internals import LeanExecutionContext
from services.api.schema.enums import located_in_variable


class ConcordExecutionContext(LeanExecutionContext):
    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Any:
        """The executor, or the variables' errors: an enum value's naming where it was given."""
        built = super().build(*args, **kwargs)
        if isinstance(built, list):
            return [located_in_variable(error) for error in built]
        return built


class QuietExecutionContext(ConcordExecutionContext):
    """Production's: no "Did you mean …" in the errors of variables or arguments."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Any:
        return super().build(*args, **{**kwargs, "hide_suggestions": True})
