"""The strawberry schema. ``schema`` is what ``graphql/schema.graphql`` is exported from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSchema
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from services.api.compiled import ROW_PLAN
from services.api.schema.activities import ActivityQuery
from services.api.schema.allocation_rounds import AllocationRoundMutation, AllocationRoundQuery
from services.api.schema.api_keys import ApiKeyMutation, ApiKeyQuery
from services.api.schema.cost import cost_rule, merge_rule
from services.api.schema.coverage import CoveragePlan, CoverageQuery
from services.api.schema.crises import CrisisMutation, CrisisQuery
from services.api.schema.displacement import DisplacementMutation, DisplacementQuery
from services.api.schema.enums import list_allowed_values
from services.api.schema.execution import ConcordExecutionContext, QuietExecutionContext
from services.api.schema.flows import FlowQuery
from services.api.schema.fund import FundListQuery, FundMutation, FundQuery
from services.api.schema.incident_rows import IncidentsPlan
from services.api.schema.live import Subscription
from services.api.schema.match_rows import MatchesPlan
from services.api.schema.matches import MatchMutation, MatchQuery
from services.api.schema.me import MeQuery
from services.api.schema.movement_rows import MovementsPlan
from services.api.schema.movements import MovementMutation, MovementQuery
from services.api.schema.offers import OfferMutation, OfferQuery
from services.api.schema.organisations import OrganisationMutation, OrganisationQuery
from services.api.schema.pledges import PledgeListQuery, PledgeMutation, PledgeQuery
from services.api.schema.policy import guard
from services.api.schema.project_rows import ProjectsPlan
from services.api.schema.projects import ProjectMutation, ProjectQuery
from services.api.schema.reference import ReferenceQuery
from services.api.schema.relief_worker_safety import ReliefWorkerSafetyMutation, ReliefWorkerSafetyQuery
from services.api.schema.request_mutations import HavenLinkMutation, RequestMutation
from services.api.schema.request_rows import RequestsPlan
from services.api.schema.requests import RequestListQuery, RequestQuery
from services.api.schema.safe_havens import SafeHavenMutation, SafeHavenQuery
from services.api.schema.scalars import SCALARS
from services.api.schema.serving import ServingQuery
from services.api.schema.validation import Validation
from services.api.strawberry_internals import convert_arguments_once, mark_attributes

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 4000
# Fields once fragments are expanded: the named operations select a few dozen, introspection 220.
MAX_SELECTIONS = 1000
# Steps of graphql-core's overlapping-fields rule: the named operations and introspection take
# none, 200 copies of one field 20,000; at a few microseconds a step, refused within tens of ms.
MAX_MERGE_STEPS = 10_000

# The limit rule is built once: validation is cached by the rule classes, so a class per request
# made every validation a cache miss.
_LIMIT_RULES = [cost_rule(max_depth=MAX_DEPTH, max_aliases=MAX_ALIASES, max_selections=MAX_SELECTIONS)]
_MERGE_RULE = merge_rule(max_steps=MAX_MERGE_STEPS)


#: The root query's parts, in the contract's order of root fields: requests, pledges and the fund
#: come twice.
QUERIES = (
    RequestQuery,
    MeQuery,
    OrganisationQuery,
    RequestListQuery,
    CrisisQuery,
    ReferenceQuery,
    OfferQuery,
    MatchQuery,
    CoverageQuery,
    PledgeQuery,
    FundQuery,
    PledgeListQuery,
    FundListQuery,
    FlowQuery,
    SafeHavenQuery,
    MovementQuery,
    DisplacementQuery,
    ReliefWorkerSafetyQuery,
    ActivityQuery,
    ProjectQuery,
    AllocationRoundQuery,
    ServingQuery,
    ApiKeyQuery,
)
#: The root mutation's parts, in the contract's order.
MUTATIONS = (
    RequestMutation,
    OrganisationMutation,
    CrisisMutation,
    OfferMutation,
    MatchMutation,
    PledgeMutation,
    FundMutation,
    SafeHavenMutation,
    HavenLinkMutation,
    MovementMutation,
    DisplacementMutation,
    ReliefWorkerSafetyMutation,
    ProjectMutation,
    AllocationRoundMutation,
    ApiKeyMutation,
)


class ConcordSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Errors are logged where they are mapped to public codes (services.api.problems):
        expected refusals are not noise in the log, unexpected failures are logged there."""


def build_schema(*, production: bool = False, observers: Sequence[Any] = ()) -> strawberry.Schema:
    """The schema; in production without introspection and without "Did you mean …" in errors.
    ``observers``: extensions that watch operations (metrics), outermost. An observer with a
    ``resolve`` hook runs on every field."""
    production_only = [DisableIntrospection] if production else []
    built = ConcordSchema(
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALARS),
        execution_context_class=QuietExecutionContext if production else ConcordExecutionContext,
        extensions=[
            *observers,
            *production_only,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: ParserCache(maxsize=256),
            lambda: Validation(limits=_LIMIT_RULES, merging=_MERGE_RULE, hide_suggestions=production),
        ],
    )
    convert_arguments_once(built._schema, built.schema_converter)  # noqa: SLF001 (before the policy wraps them)
    guard(built._schema)  # noqa: SLF001 (strawberry keeps the graphql-core schema there)
    mark_attributes(built._schema)  # noqa: SLF001 (after the policy: guarded fields stay wrapped)
    list_allowed_values(built._schema)  # noqa: SLF001
    _plan_rows(built._schema)  # noqa: SLF001
    return built


def _plan_rows(schema: GraphQLSchema) -> None:
    """The root fields whose named operations read the read model's rows themselves."""
    assert schema.query_type is not None
    fields = schema.query_type.fields
    plans = (
        ("requests", RequestsPlan),
        ("coverage", CoveragePlan),
        ("movementsConnection", MovementsPlan),
        ("incidentsConnection", IncidentsPlan),
        ("matches", MatchesPlan),
        ("projects", ProjectsPlan),
    )
    for name, plan in plans:
        fields[name].extensions = {**(fields[name].extensions or {}), ROW_PLAN: plan}


schema = build_schema()
