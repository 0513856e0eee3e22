"""The matching desk from the offering party's side: the open needs its offers could serve."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import strawberry

from domain import allocation
from domain.access import Role
from domain.codes import MemberState
from projections.assistance_requests.queries import RequestRow
from projections.matching import queries as matching
from projections.matching.served import needs_served
from projections.offers.queries import OfferRow
from services.api.schema.allocation_round_types import ScoreTerm
from services.api.schema.context import Info, selected
from services.api.schema.offer_types import Offer
from services.api.schema.paging import check_first
from services.api.schema.request_types import AssistanceRequest
from services.api.schema.scalars import parse_id
from services.errors import NotFound
from services.identity.access import Owner, authorise


@strawberry.type(
    description="An open need one of the caller's offers could serve: the best such offer, explained."
)
class NeedSuggestion:
    request_id: strawberry.ID
    offer_id: strawberry.ID = strawberry.field(description="the caller's offer that serves it best")
    score: float = strawberry.field(description="as matchSuggestions scores the pair for the need")
    quantity: Decimal = strawberry.field(description="what the offer could cover of what is still open")
    terms: list[ScoreTerm]
    request: AssistanceRequest | None
    offer: Offer | None

    @classmethod
    def of(
        cls, suggestion: allocation.Suggestion, request: RequestRow | None, offer: OfferRow | None
    ) -> NeedSuggestion:
        return cls(
            request_id=strawberry.ID(str(suggestion.need.request_id)),
            offer_id=strawberry.ID(str(suggestion.offer.offer_id)),
            score=suggestion.score,
            quantity=suggestion.quantity,
            terms=ScoreTerm.all_of(suggestion),
            request=AssistanceRequest.from_row(request) if request else None,
            offer=Offer.from_row(offer) if offer else None,
        )


async def _rows(
    info: Info, served: list[allocation.Suggestion]
) -> tuple[Sequence[RequestRow | None], Sequence[OfferRow | None]]:
    """The rows of the needs and offers the selection shows, read by this request's loaders before
    the answer is made, so that no field below the root awaits: the named operation is then answered
    by its compiled plan (services.api.compiled), not field by field."""
    asked = selected(info)
    loaders = info.context.loaders
    requests: Sequence[RequestRow | None] = [None] * len(served)
    offers: Sequence[OfferRow | None] = [None] * len(served)
    if "request" in asked:
        requests = await loaders.request.load_many([s.need.request_id for s in served])
    if "offer" in asked:
        offers = await loaders.offer.load_many([s.offer.offer_id for s in served])
    return requests, offers


@strawberry.type
class ServingQuery:
    @strawberry.field(
        description=(
            "Open needs the caller's offers could serve, best first: each need once, with the "
            "offer that serves it best and every term of that pair's score (as matchSuggestions "
            "explains it). A donor asks for its organisation's offers, a coordinator for its "
            "state's; offerId narrows to one of them."
        )
    )
    async def need_suggestions(
        self, info: Info, first: int = 10, offer_id: strawberry.ID | None = None
    ) -> list[NeedSuggestion]:
        check_first(first)
        c = info.context
        principal = c.principal
        engine = c.runtime.query_engine
        wanted = parse_id(offer_id, "offerId") if offer_id is not None else None
        if wanted is not None:
            row = await c.loaders.offer.load(wanted)
            if row is None:
                raise NotFound("offer", str(offer_id))
            owner = Owner(
                member_state=MemberState(row.offering_state) if row.offering_state else None,
                organisation_id=row.organisation_id,
            )
            authorise(principal, "query.needSuggestions", owner)
        today = c.runtime.concord.today()
        donor = principal.role is Role.DONOR
        offers = await matching.party_offers(
            engine,
            today,
            organisation_id=principal.organisation_id if donor else None,
            offering_state=principal.member_state.value if principal.member_state and not donor else None,
            offer_id=wanted,
        )
        served = await needs_served(engine, offers, today, allocation.Parameters(), first)
        requests, offer_rows = await _rows(info, served)
        return [NeedSuggestion.of(*each) for each in zip(served, requests, offer_rows, strict=True)]
