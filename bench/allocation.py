"""The allocation round at scale: 5,000 open needs x 5,000 offers, the solver against the greedy
baseline measured in the same run. ``python -m bench.allocation`` runs it alone."""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.allocation import NeedLine, OfferLine, Parameters, objective, units
from domain.codes import MemberState
from domain.greedy import candidate_pairs, greedy
from domain.items import ITEMS
from services.matching.solver import solve

TODAY = date(2026, 11, 28)
STATES = [s.value for s in MemberState]


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def instance(
    seed: int, n_needs: int = 5000, n_offers: int = 5000, today: date = TODAY
) -> tuple[list[NeedLine], list[OfferLine]]:
    """A reproducible world: one large crisis and a smaller one, the Philippines asking big (so a
    greedy pass by priority starves others), a few standby capacities and declined parties."""
    rng = random.Random(seed)
    crises = [_uuid(rng), _uuid(rng)]
    items = sorted(ITEMS.values(), key=lambda i: i.code)
    orgs = [str(_uuid(rng)) for _ in range(60)]
    offers: list[OfferLine] = []
    for _ in range(n_offers):
        item = rng.choice(items)
        by_state = rng.random() < 0.3
        home = rng.choice(STATES) if by_state else None
        party = home if home else rng.choice(orgs)
        start = today + timedelta(days=rng.randint(-20, 40))
        offers.append(
            OfferLine(
                offer_id=_uuid(rng),
                crisis_id=crises[0] if rng.random() < 0.85 else crises[1],
                party=party,
                home_state=home,
                item=item.code,
                unit=item.unit,
                remaining=Decimal(rng.randint(20, 800)),
                available_from=start,
                available_until=start + timedelta(days=rng.randint(20, 120)),
                serves=frozenset(rng.sample(STATES, rng.randint(4, 8))),
                standby=rng.random() < 0.05,
            )
        )
    needs: list[NeedLine] = []
    for _ in range(n_needs):
        item = rng.choice(items)
        state = rng.choice(STATES)
        size = rng.randint(20, 600) * (6 if state == "PHL" else 1)
        declined = frozenset({rng.choice(orgs)}) if rng.random() < 0.01 else frozenset()
        needs.append(
            NeedLine(
                request_id=_uuid(rng),
                crisis_id=crises[0] if rng.random() < 0.85 else crises[1],
                member_state=state,
                item=item.code,
                unit=item.unit,
                open_quantity=Decimal(size),
                priority=rng.choice([1, 2, 3, 3, 4, 4, 5, 5, 5]) if state == "PHL" else rng.randint(1, 5),
                needed_by=today + timedelta(days=rng.randint(-15, 60)),
                declined=declined,
            )
        )
    return needs, offers


def check(
    needs: Sequence[NeedLine], offers: Sequence[OfferLine], lines: dict[tuple[UUID, UUID], Decimal]
) -> None:
    """Nothing beyond an offer's remaining quantity or a need's open quantity."""
    to_need: dict[UUID, Decimal] = defaultdict(Decimal)
    of_offer: dict[UUID, Decimal] = defaultdict(Decimal)
    for (r, o), q in lines.items():
        to_need[r] += q
        of_offer[o] += q
    assert all(to_need[n.request_id] <= n.open_quantity for n in needs)
    assert all(of_offer[o.offer_id] <= o.remaining for o in offers)


def run(seed: int = 7, n_needs: int = 5000, n_offers: int = 5000, say: Any = print) -> dict[str, Any]:
    needs, offers = instance(seed, n_needs, n_offers)
    parameters = Parameters()
    say(f"  instance: seed {seed}, {len(needs)} open needs x {len(offers)} offers")

    started = time.perf_counter()
    pairs = candidate_pairs(needs, offers, TODAY)
    baseline = greedy(needs, offers, TODAY, parameters, pairs)
    greedy_s = time.perf_counter() - started
    say(f"  compatible pairs: {len(pairs):,}")

    started = time.perf_counter()
    solution = solve(needs, offers, TODAY, parameters)
    solver_s = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    check(needs, offers, dict(solution.allocation.lines))
    check(needs, offers, dict(baseline.lines))
    optimum = objective(needs, solution.allocation, TODAY, parameters, solution.states)
    greedy_value = objective(needs, baseline, TODAY, parameters, solution.states)
    say(
        f"  greedy (highest priority first): {greedy_s:.2f} s, weighted coverage "
        f"{greedy_value.weighted_coverage:.4f}, lowest state coverage {greedy_value.min_state_coverage:.4f}"
    )
    say(
        f"  solver ({solution.method}): {solver_s:.2f} s "
        f"(network {solution.timings_s['network']:.2f}, HiGHS {solution.timings_s['solve']:.2f}, "
        f"decomposition {solution.timings_s['decompose']:.2f}), {solution.size['variables']:,} variables; "
        f"weighted coverage {optimum.weighted_coverage:.4f}, lowest state coverage "
        f"{optimum.min_state_coverage:.4f}"
    )
    say(f"  peak memory of this process: {peak_mib:,.0f} MiB")
    worst = min(greedy_value.state_coverage, key=lambda s: greedy_value.state_coverage[s])
    say(
        f"  worst-off state under greedy: {worst} {greedy_value.state_coverage[worst]:.3f} -> "
        f"{optimum.state_coverage[worst]:.3f} with the solver"
    )
    ok = (
        optimum.weighted_coverage >= greedy_value.weighted_coverage
        and optimum.min_state_coverage >= greedy_value.min_state_coverage
    )
    if not ok:
        say("  FAILED: the solver's objective is below the greedy baseline's")
    return {
        "seed": seed,
        "needs": len(needs),
        "offers": len(offers),
        "pairs": len(pairs),
        "allocated_lines": len(solution.allocation.lines),
        "units_requested": sum(units(n.open_quantity, n.unit) for n in needs),
        "method": solution.method,
        "size": solution.size,
        "solver_s": solver_s,
        "solver_timings_s": solution.timings_s,
        "greedy_s": greedy_s,
        "solver_over_greedy_time": solver_s / greedy_s if greedy_s else None,
        "solver": {"weighted": optimum.weighted_coverage, "min_state": optimum.min_state_coverage},
        "greedy": {"weighted": greedy_value.weighted_coverage, "min_state": greedy_value.min_state_coverage},
        "peak_rss_mib": peak_mib,
        "solver_not_worse": ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.allocation", description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--needs", type=int, default=5000)
    parser.add_argument("--offers", type=int, default=5000)
    args = parser.parse_args(argv)
    result = run(args.seed, args.needs, args.offers)
    return 0 if result["solver_not_worse"] else 1


if __name__ == "__main__":
    sys.exit(main())
