"""The matching policy: which offer may serve which need, how much a need weighs, and why.

Pure and deterministic: the numeric solver (``services.matching``) and the suggestions both
follow these rules, so that what a round proposes can always be explained term by term.

Over 300 lines on purpose: one policy, read term by term against the round's and the suggestions'
explanations; split, its rules would no longer be read together.
"""

from __future__ import annotations

import enum
import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from uuid import UUID

from domain.geography import CAPITALS, proximity
from domain.items import ITEMS, may_serve, meets

#: Allocations are made in whole units, except where a unit is divisible (then in these steps).
UNIT_QUANTUM: Mapping[str, Decimal] = {"tonne": Decimal("0.001"), "USD": Decimal("0.01")}


def quantum(unit: str) -> Decimal:
    return UNIT_QUANTUM.get(unit, Decimal(1))


def units(quantity: Decimal, unit: str) -> int:
    """How many whole allocation steps of ``unit`` fit in ``quantity`` (rounded down)."""
    if quantity <= 0:
        return 0
    return int((quantity / quantum(unit)).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class NeedLine:
    """An open need as a round or a suggestion sees it: what is still unmet, and by when."""

    request_id: UUID
    crisis_id: UUID
    member_state: str
    item: str
    unit: str
    open_quantity: Decimal
    priority: int
    needed_by: date
    declined: frozenset[str] = frozenset()  # offering parties whose match for this need was declined
    position: int = 0  # log position of the request's last event the line was read at


@dataclass(frozen=True)
class OfferLine:
    """An offer as a round sees it: what remains of it, for whom, from when."""

    offer_id: UUID
    crisis_id: UUID
    party: str  # the offering organisation's id, or the offering member state's ISO3 code
    home_state: str | None  # where the offering party is based, if it is a member state's
    item: str
    unit: str
    remaining: Decimal
    available_from: date
    available_until: date
    serves: frozenset[str]
    standby: bool = False  # standby capacity may serve any crisis
    position: int = 0


class Constraint(enum.Enum):
    """A rule a pair must meet; each names why an offer cannot serve a need."""

    CRISIS = "offer is for another crisis and is not standby capacity"
    ITEM = "offer is neither the item needed nor a declared substitute"
    UNIT = "offer counts in another unit"
    STATE = "offer does not serve the requesting state"
    TOO_LATE = "offer is available only after the needed-by date (or today, if that has passed)"
    EXPIRED = "offer's availability window has ended"
    DECLINED = "requesting state declined this offering party for this need"
    EXHAUSTED = "nothing of the offer remains"
    MET = "nothing of the need remains open"


def due(need: NeedLine, today: date) -> date:
    """The date an offer must be available by: the needed-by date, or today once it has passed
    (an overdue need is served by what is available now, not refused)."""
    return max(need.needed_by, today)


def violations(need: NeedLine, offer: OfferLine, today: date) -> tuple[Constraint, ...]:
    """Every rule the pair breaks, in a fixed order; empty when the offer may serve the need."""
    broken: list[Constraint] = []
    if offer.crisis_id != need.crisis_id and not offer.standby:
        broken.append(Constraint.CRISIS)
    if not may_serve(need.item, offer.item) or ITEMS[need.item].sector is not ITEMS[offer.item].sector:
        broken.append(Constraint.ITEM)
    if offer.unit != need.unit:
        broken.append(Constraint.UNIT)
    if need.member_state not in offer.serves:
        broken.append(Constraint.STATE)
    if offer.available_from > due(need, today):
        broken.append(Constraint.TOO_LATE)
    if offer.available_until < today:
        broken.append(Constraint.EXPIRED)
    if offer.party in need.declined:
        broken.append(Constraint.DECLINED)
    if units(offer.remaining, offer.unit) <= 0:
        broken.append(Constraint.EXHAUSTED)
    if units(need.open_quantity, need.unit) <= 0:
        broken.append(Constraint.MET)
    return tuple(broken)


@dataclass(frozen=True)
class Parameters:
    """What a round or a score weighs; recorded with every round so it can be re-run."""

    urgency_horizon_days: int = 14  # urgency halves from its peak this many days before needed-by
    deprivation_rate: float = 0.05  # per day past needed-by: deprivation cost grows exponentially
    deprivation_cap_days: int = 90  # beyond this, no further growth (keeps weights bounded)
    fairness_tolerance: float = 1e-7  # stage 2 may give up this share of stage 1's minimum coverage
    exact_limit: int = 400  # up to this many flow variables, solve in whole units (MIP)
    #: LP stage 1 maximises t + tie_break x weighted coverage: among max-min optima it takes one
    #: that also covers much, which spares dual simplex the degenerate max-min program (~10x
    #: faster at 5,000 x 5,000). t may then fall short of the max-min by at most tie_break,
    #: less than rounding to whole units moves it. The integer programs use no tie-break.
    tie_break: float = 1e-4
    #: Stage 3: among the fair and covering optima, the offers the suggestions rank higher.
    #: Rounds recorded before it had no such stage (``domain.rounds.parameters_of``).
    preference_stage: bool = True

    def as_dict(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class NeedWeight:
    """Priority times urgency; past the needed-by date urgency becomes a growing deprivation cost
    (Holguín-Veras et al. 2013: the cost of deprivation rises convexly with its duration)."""

    priority: int
    days_to_needed_by: int
    urgency: float

    @property
    def value(self) -> float:
        return self.priority * self.urgency


def need_weight(need: NeedLine, today: date, parameters: Parameters) -> NeedWeight:
    days = (need.needed_by - today).days
    return NeedWeight(need.priority, days, _urgency(days, parameters))


def _urgency(days: int, parameters: Parameters) -> float:
    if days >= 0:
        horizon = parameters.urgency_horizon_days
        return 1 + horizon / (horizon + days)  # 2 on the day, towards 1 far ahead
    late = min(-days, parameters.deprivation_cap_days)
    return 2 * math.exp(parameters.deprivation_rate * late)


@dataclass(frozen=True)
class Term:
    """One term of a score: its value in [0, 1] (or the weight itself), its share, and why."""

    name: str
    value: float
    weight: float
    note: str

    @property
    def contribution(self) -> float:
        return self.value * self.weight


#: Shares of the pair terms in a suggestion's score; the need's weight multiplies their sum.
SCORE_WEIGHTS: Mapping[str, float] = {"coverage": 0.6, "proximity": 0.25, "timeliness": 0.15}
_TIMELY_DAYS = 30
_KNOWN_REACHES = 8192  # answers a ``Reach`` keeps (a priority and a date each) before it forgets them all


@dataclass(frozen=True)
class Suggestion:
    need: NeedLine
    offer: OfferLine
    score: float
    quantity: Decimal  # what the offer could cover of the need now
    terms: tuple[Term, ...]
    excluded_by: tuple[Constraint, ...] = field(default=())


def _pair(need: NeedLine, offer: OfferLine, today: date) -> tuple[Decimal, float, float, int, float]:
    """The pair terms: quantity coverable, its share of the need, nearness, slack days, timeliness."""
    quantity = max(min(need.open_quantity, offer.remaining), Decimal(0))
    share = float(quantity / need.open_quantity) if need.open_quantity > 0 else 0.0
    near = proximity(offer.home_state, need.member_state)[0]
    slack = (due(need, today) - max(today, offer.available_from)).days
    return quantity, share, near, slack, _timeliness(slack)


def preference(need: NeedLine, offer: OfferLine, today: date) -> float:
    """The weighted pair terms (coverage, proximity, timeliness) in [0, 1]; 0 for a pair that
    breaks a rule. Suggestions rank by it, and a round prefers by it among its fair optima."""
    if violations(need, offer, today):
        return 0.0
    return _weighted_terms(need, offer, today)


def _weighted_terms(need: NeedLine, offer: OfferLine, today: date) -> float:
    _, share, near, _, timely = _pair(need, offer, today)
    terms = SCORE_WEIGHTS["coverage"] * share + SCORE_WEIGHTS["proximity"] * near
    return terms + SCORE_WEIGHTS["timeliness"] * timely


def _timeliness(slack: int) -> float:
    return min(max(slack, 0), _TIMELY_DAYS) / _TIMELY_DAYS


@dataclass(frozen=True)
class Reach:
    """The most a need can score with some offers, from its priority and needed-by date alone: the
    score's own arithmetic with every pair term at the most these offers allow (all of the need
    covered, the nearest of their parties, the earliest of their starts). Each float step is
    monotone, so no pair scores above it: needs past ``last_day`` of the N-th best score found
    need not be read."""

    today: date
    parameters: Parameters
    nearest: float  # the best proximity of any offer to a state it serves
    earliest: date  # the first day any offer is available
    #: ``at``'s answers so far: many needs share a priority and a date, and a kept ``Offered`` is
    #: asked again call after call.
    _known: dict[tuple[int, date], float] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, offers: Iterable[OfferLine], today: date, parameters: Parameters) -> Reach:
        offers = list(offers)
        near = [
            proximity(o.home_state, state)[0]
            for o in offers
            for state in o.serves
            if state in CAPITALS or o.home_state not in CAPITALS
        ]
        start = min((o.available_from for o in offers), default=today)
        return cls(today, parameters, max(near, default=0.0), start)

    def at(self, priority: int, needed_by: date) -> float:
        """At least ``score`` for any of the offers that fits a need of this priority and date."""
        known = self._known.get((priority, needed_by))
        if known is None:
            if len(self._known) >= _KNOWN_REACHES:
                self._known.clear()
            known = self._known[priority, needed_by] = self._at(priority, needed_by)
        return known

    def _at(self, priority: int, needed_by: date) -> float:
        urgency = _urgency((needed_by - self.today).days, self.parameters)
        slack = (max(needed_by, self.today) - max(self.today, self.earliest)).days
        terms = SCORE_WEIGHTS["coverage"] * 1.0 + SCORE_WEIGHTS["proximity"] * self.nearest
        return priority * urgency * (terms + SCORE_WEIGHTS["timeliness"] * _timeliness(slack))

    def last_day(self, priority: int, floor: float) -> date | None:
        """The last needed-by date on which a need of this priority could score ``floor``, or None
        for none. ``at`` never rises as the date moves on except where the deprivation cost's
        exponential is evaluated (the days before today, back to its cap) and where timeliness still
        grows (the 30 days after the earliest start): those days are each evaluated, the stretches
        between them searched. Days before the cap score as the cap's day does."""
        today, start = self.today, max(self.today, self.earliest)

        def reaches(day: date) -> bool:
            return self.at(priority, day) >= floor

        timely = start + timedelta(_TIMELY_DAYS + 1)
        if reaches(timely):
            return date.max if reaches(date.max) else _last(reaches, timely, date.max)
        for day in (start + timedelta(d) for d in range(_TIMELY_DAYS, 0, -1)):
            if reaches(day):
                return day
        if reaches(today):
            return _last(reaches, today, start)
        cap = self.parameters.deprivation_cap_days
        return next((d for d in (today - timedelta(k) for k in range(1, cap + 1)) if reaches(d)), None)


def _last(reaches: Callable[[date], bool], first: date, last: date) -> date:
    """The last day from ``first`` (which reaches) to ``last`` that reaches, where reaching stops once."""
    low, high = first.toordinal(), last.toordinal()
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if reaches(date.fromordinal(middle)) else (low, middle - 1)
    return date.fromordinal(low)


def _fits(need: NeedLine, offer: OfferLine, today: date) -> bool:
    """``not violations(need, offer, today)``, stopping at the first rule broken: the rules of the
    offer alone, of the need alone, of where the offer is placed (its items and states) and of the
    pair, which the ranking checks each in its turn."""
    return (
        _usable(offer, today)
        and _open(need)
        and need.item in meets(offer.item)
        and need.member_state in offer.serves
        and _pair_fits(need, offer, due(need, today))
    )


def _usable(offer: OfferLine, today: date) -> bool:
    return offer.available_until >= today and units(offer.remaining, offer.unit) > 0


def _open(need: NeedLine) -> bool:
    return units(need.open_quantity, need.unit) > 0


def _pair_fits(need: NeedLine, offer: OfferLine, due_by: date) -> bool:
    """The rules of the pair itself, for an offer of an item and a state the need may take."""
    return (
        (offer.crisis_id == need.crisis_id or offer.standby)
        and offer.unit == need.unit
        and offer.available_from <= due_by
        and offer.party not in need.declined
    )


def score(need: NeedLine, offer: OfferLine, today: date, weight: NeedWeight) -> float:
    """The need's weight times the pair's preference."""
    return weight.value * preference(need, offer, today)


def suggest(need: NeedLine, offer: OfferLine, today: date, parameters: Parameters) -> Suggestion:
    """Score one pair and say why: the need's priority and urgency, the share of the need the
    offer covers, how near the offering party is, and the days it leaves before needed-by."""
    weight = need_weight(need, today, parameters)
    quantity, share, near, slack, timely = _pair(need, offer, today)
    terms = (
        Term("priority", float(weight.priority), 0.0, f"priority {weight.priority} of 5"),
        Term("urgency", weight.urgency, 0.0, _urgency_note(weight)),
        Term(
            "coverage",
            share,
            SCORE_WEIGHTS["coverage"],
            f"covers {quantity} of the {need.open_quantity} {need.unit} still open",
        ),
        Term(
            "proximity", near, SCORE_WEIGHTS["proximity"], proximity(offer.home_state, need.member_state)[1]
        ),
        Term(
            "timeliness",
            timely,
            SCORE_WEIGHTS["timeliness"],
            f"{slack} days between availability and needed-by",
        ),
    )
    return Suggestion(
        need, offer, score(need, offer, today, weight), quantity, terms, violations(need, offer, today)
    )


def best(
    need: NeedLine,
    offers: Iterable[OfferLine],
    today: date,
    parameters: Parameters,
    first: int,
    *,
    excluded: bool = True,
) -> list[Suggestion]:
    """The ``first`` best offers for the need, explained; scores alone decide the order (ties by
    offer id), and only the chosen few are explained. Offers that break a rule score 0; without
    ``excluded`` they are left out.

    Each offer scores what ``score`` gives it, by the same arithmetic in the same order (so the
    same floats), with what depends on the need alone worked out once rather than once an offer:
    its weight, the day an offer must start by, whether any of it is open, and each offering
    party's home state's proximity."""
    weight = need_weight(need, today, parameters).value
    due_by, is_open, wanted = due(need, today), _open(need), need.open_quantity
    nearness: dict[str | None, float] = {}

    def fits(offer: OfferLine) -> bool:  # _fits, with the need's part worked out once
        return (
            is_open
            and _usable(offer, today)
            and need.item in meets(offer.item)
            and need.member_state in offer.serves
            and _pair_fits(need, offer, due_by)
        )

    def scored(offer: OfferLine) -> float:
        """``score``: the need's weight times the pair's preference, for an offer that fits."""
        share = float(max(min(wanted, offer.remaining), Decimal(0)) / wanted)
        near = nearness.get(offer.home_state)
        if near is None:
            near = nearness[offer.home_state] = proximity(offer.home_state, need.member_state)[0]
        timely = _timeliness((due_by - max(today, offer.available_from)).days)
        terms = SCORE_WEIGHTS["coverage"] * share + SCORE_WEIGHTS["proximity"] * near
        return weight * (terms + SCORE_WEIGHTS["timeliness"] * timely)

    ranked = (
        (-(scored(o) if fitting else weight * 0.0), o.offer_id, i, o)
        for i, o in enumerate(offers)
        if (fitting := fits(o)) or excluded
    )
    # A UUID orders as its text does (fixed-width hex): ties go to the lower id, as ``rank`` does.
    return [suggest(need, offer, today, parameters) for *_, offer in heapq.nsmallest(first, ranked)]


def _by_item_and_state(offers: Sequence[OfferLine]) -> dict[tuple[str, str], list[OfferLine]]:
    """The offers by each (item, state) they may serve: the only pairs ``violations`` may let
    through, so a need is scored against these alone, not against every offer."""
    placed: dict[tuple[str, str], list[OfferLine]] = {}
    for offer in offers:
        for item in meets(offer.item):
            for state in offer.serves:
                placed.setdefault((item, state), []).append(offer)
    return placed


def needs_served(
    needs: Iterable[NeedLine],
    offers: Sequence[OfferLine],
    today: date,
    parameters: Parameters,
    first: int,
) -> list[Suggestion]:
    """The ``first`` needs the offers could serve, best first, each with its best offer explained:
    the matching desk's score read from the offering party's side, one line per need."""
    ranking = NeedRanking(offers, today, parameters, first)
    ranking.add(needs)
    return ranking.result()


@dataclass(frozen=True)
class Offered:
    """A party's offers as ``NeedRanking`` reads them on a day: those usable then, by each item and
    state of need they may serve, and the most a need could score with any of them (``Reach``)."""

    placed: Mapping[tuple[str, str], Sequence[OfferLine]]
    reach: Reach

    @classmethod
    def of(cls, offers: Sequence[OfferLine], today: date, parameters: Parameters) -> Offered:
        usable = [o for o in offers if _usable(o, today)]
        return cls(_by_item_and_state(usable), Reach.of(offers, today, parameters))


class NeedRanking:
    """``needs_served`` fed needs in parts: once the first N found all score above what any need
    not yet read could reach (``Reach``), the rest need not be read, nor those read scored."""

    def __init__(
        self, offers: Sequence[OfferLine] | Offered, today: date, parameters: Parameters, first: int
    ) -> None:
        """``offers``: the party's offers, or what ``Offered.of`` made of them for this day and
        these parameters (which a caller ranking for the same offers again may keep)."""
        self.today, self.parameters, self.first = today, parameters, first
        offered = offers if isinstance(offers, Offered) else Offered.of(offers, today, parameters)
        self._placed, self.reach = offered.placed, offered.reach
        self._needs: dict[UUID, NeedLine] = {}
        self._chosen: dict[UUID, tuple[float, OfferLine]] = {}
        self._best: list[float] = []  # the ``first`` highest scores so far, least on top
        self._twice = False  # a need given twice: its first score may linger in _best

    def add(self, needs: Iterable[NeedLine]) -> None:
        """Score each need against the offers of its item and state, each rule of ``_fits`` checked
        once (the offer's alone when it is placed, the need's alone once a need); a need that
        cannot reach the N-th best score found (``Reach``: no pair scores above it) is not scored,
        as it cannot be among the first."""
        reach = self.reach
        for need in needs:
            self.add_reaching(need, reach.at(need.priority, need.needed_by))

    def skips(self, request_id: UUID, reach: float) -> bool:
        """Whether a need that scores at most ``reach`` (``Reach.at`` of its priority and
        needed-by date) cannot be among the first: below the N-th best score found so far. A
        caller that knows so much of a need before its line is made need not make it; one given
        before is never skipped, as its first score may linger among the best."""
        if request_id in self._needs:
            return False
        floor = self.floor()
        return floor is not None and reach < floor

    def add_reaching(self, need: NeedLine, reach: float) -> None:
        """``add`` one need, ``reach`` its ``Reach.at``."""
        skipped = self.skips(need.request_id, reach)
        self._twice = self._twice or need.request_id in self._needs
        self._needs[need.request_id] = need
        if skipped:
            return
        held = self._best_offer(need, due(need, self.today)) if _open(need) else None
        if held is None:
            self._chosen.pop(need.request_id, None)
            return
        self._chosen[need.request_id] = held
        heapq.heappush(self._best, held[0])
        if len(self._best) > self.first:
            heapq.heappop(self._best)

    def _best_offer(self, need: NeedLine, due_by: date) -> tuple[float, OfferLine] | None:
        """The best-scoring offer that fits the need (ties by offer id), with its score."""
        today = self.today
        weight = need_weight(need, today, self.parameters).value
        held: tuple[float, OfferLine] | None = None
        for offer in self._placed.get((need.item, need.member_state), ()):
            if not _pair_fits(need, offer, due_by):
                continue
            value = weight * _weighted_terms(need, offer, today)  # = score(), its rules checked once
            if (
                held is None
                or value > held[0]
                or (value == held[0] and str(offer.offer_id) < str(held[1].offer_id))
            ):
                held = (value, offer)
        return held

    def places(self, item: str, member_state: str) -> bool:
        """Whether some offer may serve a need of this item in this state: a need for which none
        may is never among the first, so its line need not be made."""
        return (item, member_state) in self._placed

    def floor(self) -> float | None:
        """The least score a need must reach to be among the first (a tie may still win), once
        ``first`` needs have been found."""
        if self.first <= 0:
            return math.inf
        return self._best[0] if len(self._best) >= self.first and not self._twice else None

    def result(self) -> list[Suggestion]:
        ranked = heapq.nsmallest(self.first, self._chosen.items(), key=lambda p: (-p[1][0], str(p[0])))
        return [
            suggest(self._needs[request_id], offer, self.today, self.parameters)
            for request_id, (_, offer) in ranked
        ]


def _urgency_note(weight: NeedWeight) -> str:
    days = weight.days_to_needed_by
    if days >= 0:
        return f"needed in {days} days"
    return f"{-days} days past needed-by: deprivation cost x{weight.urgency:.2f}"


def rank(suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    """Best first; ties broken by offer id then request id, so the order never varies."""
    return sorted(suggestions, key=lambda s: (-s.score, str(s.offer.offer_id), str(s.need.request_id)))


@dataclass(frozen=True)
class Allocation:
    """Quantities of offers given to needs: (request id, offer id) → quantity."""

    lines: Mapping[tuple[UUID, UUID], Decimal]

    def to_request(self, request_id: UUID) -> Decimal:
        return sum((q for (r, _), q in self.lines.items() if r == request_id), Decimal(0))

    def of_offer(self, offer_id: UUID) -> Decimal:
        return sum((q for (_, o), q in self.lines.items() if o == offer_id), Decimal(0))


@dataclass(frozen=True)
class Objective:
    """Lexicographic: first the lowest state's coverage, then the weighted coverage of all needs.

    A state's coverage is its weighted covered share: sum of weight x (given / open) over its
    needs, over the sum of their weights. Only states with a need some offer can serve count.
    """

    min_state_coverage: float
    weighted_coverage: float
    state_coverage: Mapping[str, float]


def objective(
    needs: Sequence[NeedLine],
    allocation: Allocation,
    today: date,
    parameters: Parameters,
    states: Iterable[str],
) -> Objective:
    given: dict[UUID, Decimal] = {}
    for (request_id, _), quantity in allocation.lines.items():
        given[request_id] = given.get(request_id, Decimal(0)) + quantity
    covered: dict[str, float] = {}
    weights: dict[str, float] = {}
    for need in needs:
        if need.open_quantity <= 0:
            continue
        weight = need_weight(need, today, parameters).value
        share = min(float(given.get(need.request_id, Decimal(0)) / need.open_quantity), 1.0)
        covered[need.member_state] = covered.get(need.member_state, 0.0) + weight * share
        weights[need.member_state] = weights.get(need.member_state, 0.0) + weight
    counted = sorted(set(states) & set(weights))
    by_state = {s: covered[s] / weights[s] for s in counted}
    total_weight = sum(weights.values())
    return Objective(
        min_state_coverage=min(by_state.values(), default=0.0),
        weighted_coverage=sum(covered.values()) / total_weight if total_weight else 0.0,
        state_coverage=by_state,
    )
