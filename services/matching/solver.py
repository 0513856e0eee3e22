"""The allocation round's solver: a lexicographic linear program on a compact flow network.

Pairs are not variables. Within one crisis, item, unit and requesting state, an offer available
from day d can serve every need due on d or later, so the needs of such a *chain* are nodes in
order of their needed-by dates (today, for those overdue), joined by forward arcs; an offer
enters a chain once, at the first node it is early enough for. This network allows exactly the
pairs that ``domain.allocation`` allows (a test checks it), with ~45,000 variables instead of
~250,000 for 5,000 x 5,000. A need with a declined party gets a node of its own, reached only
by the offers allowed to serve it.

Stage 1 maximises t, the lowest coverage among states with a need some offer can serve; stage 2
keeps every such state at t (less a tolerance) and maximises the weighted coverage of all needs;
stage 3 holds that coverage too and maximises the offers' preference (``domain.allocation.preference``,
the suggestions' own ranking: coverage, proximity, timeliness) x what each offer gives, so that among
equally fair and covering rounds the nearer, earlier offers are taken rather than the lower ids.
Up to ``Parameters.exact_limit`` variables both stages are integer programs in whole allocation
steps; above it they are LPs (HiGHS dual simplex; see ``Parameters.tie_break``), the flows are
rounded down to whole steps and a top-up pass hands out what rounding left, so nothing is given
beyond an offer's remaining quantity or a need's open quantity.

Over 300 lines on purpose: one algorithm (the network, its three stages and the rounding), read
top to bottom against this description.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import highspy
import numpy as np

from domain.allocation import (
    Allocation,
    NeedLine,
    OfferLine,
    Parameters,
    due,
    need_weight,
    preference,
    quantum,
    units,
    violations,
)
from domain.items import SUBSTITUTES

_EPS = 1e-6
ChainKey = tuple[UUID, str, str, str]  # crisis, item, unit, requesting state


class SolverFailedError(RuntimeError):
    """HiGHS did not reach an optimum (it should not happen: the programs are always feasible)."""


@dataclass
class Network:
    """Nodes (a chain's needed-by dates), the needs drawing at each, the offers entering each."""

    needs: list[NeedLine]
    offers: list[OfferLine]
    node_of_need: list[int] = field(default_factory=list)
    next_node: list[int] = field(default_factory=list)  # the chain's next node, or -1
    entries: list[tuple[int, int]] = field(default_factory=list)  # (offer index, node)

    def reachable_pairs(self) -> set[tuple[int, int]]:
        """The (need, offer) pairs the network lets flow: an offer entering at or before a need's node."""
        entering: dict[int, list[int]] = defaultdict(list)
        for j, node in self.entries:
            entering[node].append(j)
        previous = {nxt: node for node, nxt in enumerate(self.next_node) if nxt >= 0}
        pairs: set[tuple[int, int]] = set()
        for i, node in enumerate(self.node_of_need):
            if units(self.needs[i].open_quantity, self.needs[i].unit) <= 0:
                continue
            at: int | None = node
            while at is not None:
                pairs.update((i, j) for j in entering.get(at, ()))
                at = previous.get(at)
        return pairs


def build_network(needs: Sequence[NeedLine], offers: Sequence[OfferLine], today: date) -> Network:
    network = Network(list(needs), list(offers))
    network.node_of_need = [-1] * len(needs)
    chains = _chains(network, today)
    _enter_offers(network, chains, today)
    _private_nodes(network, today)
    return network


def _chains(network: Network, today: date) -> dict[ChainKey, tuple[int, list[date]]]:
    """Each chain's first node and its dates; every need without a declined party placed on one."""
    dates: dict[ChainKey, set[date]] = defaultdict(set)
    for need in network.needs:
        if not need.declined:
            dates[need.crisis_id, need.item, need.unit, need.member_state].add(due(need, today))
    chains: dict[ChainKey, tuple[int, list[date]]] = {}
    for key in sorted(dates, key=lambda k: (str(k[0]), k[1], k[2], k[3])):
        first = len(network.next_node)
        chains[key] = (first, sorted(dates[key]))
        network.next_node.extend([*range(first + 1, first + len(dates[key])), -1])
    for i, need in enumerate(network.needs):
        if not need.declined:
            first, on = chains[need.crisis_id, need.item, need.unit, need.member_state]
            network.node_of_need[i] = first + bisect.bisect_left(on, due(need, today))
    return chains


def _enter_offers(network: Network, chains: dict[ChainKey, tuple[int, list[date]]], today: date) -> None:
    """Each usable offer enters each chain it may serve at the first node it is early enough for."""
    crises = sorted({key[0] for key in chains}, key=str)
    served_by: dict[str, list[str]] = defaultdict(list)  # offered item -> needed items it may serve
    for needed, substitutes in SUBSTITUTES.items():
        for offered in substitutes:
            served_by[offered].append(needed)
    for j, offer in enumerate(network.offers):
        if units(offer.remaining, offer.unit) <= 0 or offer.available_until < today:
            continue
        keys = (
            (crisis, item, offer.unit, state)
            for crisis in (crises if offer.standby else [offer.crisis_id])
            for item in [offer.item, *served_by.get(offer.item, [])]
            for state in sorted(offer.serves)
        )
        for key in keys:
            if key in chains:
                first, on = chains[key]
                at = bisect.bisect_left(on, offer.available_from)
                if at < len(on):
                    network.entries.append((j, first + at))


def _private_nodes(network: Network, today: date) -> None:
    """A need with a declined party: a node of its own, entered by each offer allowed to serve it."""
    private = [i for i, need in enumerate(network.needs) if need.declined]
    by_item_state: dict[tuple[str, str], list[int]] = defaultdict(list)
    if private:
        for j, offer in enumerate(network.offers):
            for state in offer.serves:
                by_item_state[offer.item, state].append(j)
    for i in private:
        node = len(network.next_node)
        network.next_node.append(-1)
        network.node_of_need[i] = node
        need = network.needs[i]
        candidates = sorted(
            j
            for item in {need.item} | SUBSTITUTES.get(need.item, frozenset())
            for j in by_item_state.get((item, need.member_state), ())
        )
        network.entries.extend(
            (j, node) for j in candidates if not violations(need, network.offers[j], today)
        )


@dataclass(frozen=True)
class Solution:
    allocation: Allocation
    states: tuple[str, ...]  # the states the fairness stage counted
    method: str
    stage_values: dict[str, float]
    timings_s: dict[str, float]
    size: dict[str, int]


def solve(
    needs: Sequence[NeedLine], offers: Sequence[OfferLine], today: date, parameters: Parameters
) -> Solution:
    """The round's allocation. Inputs are sorted by id first, so the same inputs give the same answer."""
    started = time.perf_counter()
    needs = sorted(needs, key=lambda n: str(n.request_id))
    offers = sorted(offers, key=lambda o: str(o.offer_id))
    network = build_network(needs, offers, today)
    built = time.perf_counter()
    model = _Model(network, today, parameters)
    flows, method, values = model.solve()
    solved = time.perf_counter()
    allocation = _decompose(network, model, flows)
    done = time.perf_counter()
    return Solution(
        allocation=allocation,
        states=tuple(model.states),
        method=method,
        stage_values=values,
        timings_s={"network": built - started, "solve": solved - built, "decompose": done - solved},
        size={
            "needs": len(needs),
            "offers": len(offers),
            "nodes": len(network.next_node),
            "entries": len(network.entries),
            "variables": model.variables,
        },
    )


class _Model:
    """Columns: y (what each need gets), z (each offer's entry into a chain), f (forward arcs), t.

    Rows: at each node, what its needs draw plus what flows on is at most what enters and flows
    in; each offer's entries are at most what remains of it; t is at most each counted state's
    coverage (rows scaled to a largest coefficient of 1: HiGHS's absolute feasibility tolerance
    would otherwise be coarse against coverage coefficients of 1e-5).
    """

    def __init__(self, network: Network, today: date, parameters: Parameters) -> None:
        self.network, self.parameters = network, parameters
        needs, offers = network.needs, network.offers
        n_needs, n_entries = len(needs), len(network.entries)
        arcs = [(node, nxt) for node, nxt in enumerate(network.next_node) if nxt >= 0]
        self.n_needs, self.n_entries = n_needs, n_entries
        self.variables = n_needs + n_entries + len(arcs)
        self.want = np.array([units(n.open_quantity, n.unit) for n in needs], dtype=float)
        self.left = np.array([units(o.remaining, o.unit) for o in offers], dtype=float)
        weight = np.array([need_weight(n, today, parameters).value for n in needs], dtype=float)
        open_ = np.array([float(n.open_quantity) for n in needs], dtype=float)
        step = np.array([float(quantum(n.unit)) for n in needs], dtype=float)
        counted = open_ > 0
        per_unit = np.zeros(n_needs)
        per_unit[counted] = weight[counted] * step[counted] / open_[counted]
        self.total = per_unit / weight[counted].sum() if counted.any() else per_unit
        self.preference = self._preferences(today)
        reachable = self._reachable()
        self.states = sorted({n.member_state for n, ok in zip(needs, reachable, strict=True) if ok})
        state_row = {s: k for k, s in enumerate(self.states)}
        need_row = np.array(
            [state_row.get(n.member_state, -1) if c else -1 for n, c in zip(needs, counted, strict=True)]
        )
        state_weight = np.bincount(
            need_row[need_row >= 0], weights=weight[need_row >= 0], minlength=len(self.states)
        )

        y = np.arange(n_needs)
        z = n_needs + np.arange(n_entries)
        f = n_needs + n_entries + np.arange(len(arcs))
        t = self.variables
        n_nodes, n_offers = len(network.next_node), len(offers)
        entry_j = np.array([j for j, _ in network.entries], dtype=np.int64)
        entry_node = np.array([node for _, node in network.entries], dtype=np.int64)
        arc_from = np.array([a for a, _ in arcs], dtype=np.int64)
        arc_to = np.array([b for _, b in arcs], dtype=np.int64)
        in_state = need_row >= 0
        cover = per_unit[in_state] / state_weight[need_row[in_state]]
        scale = np.zeros(len(self.states))
        np.maximum.at(scale, need_row[in_state], cover)
        scale = np.divide(1.0, scale, out=np.ones_like(scale), where=scale > 0)
        state_base = n_nodes + n_offers
        rows = np.concatenate([
            np.array(network.node_of_need, dtype=np.int64), arc_from, arc_to, entry_node,
            n_nodes + entry_j,
            state_base + need_row[in_state], state_base + np.arange(len(self.states)),
        ])  # fmt: skip
        cols = np.concatenate([y, f, f, z, z, y[in_state], np.full(len(self.states), t)])
        values = np.concatenate([
            np.ones(n_needs), np.ones(len(arcs)), -np.ones(len(arcs)), -np.ones(n_entries),
            np.ones(n_entries),
            -cover * scale[need_row[in_state]], scale,
        ])  # fmt: skip
        self.matrix = (rows, cols, values, n_nodes + n_offers + len(self.states))
        self.row_upper = np.concatenate([np.zeros(n_nodes), self.left, np.zeros(len(self.states))])
        self.col_upper = np.concatenate([self.want, np.full(n_entries + len(arcs), highspy.kHighsInf), [1.0]])

    def _preferences(self, today: date) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Each entry's preference: its offer's for the first open need it can serve (the
        earliest due at or after its node; by id at one node), as the suggestions would rank it.
        Within a chain every need is in the same state, so proximity is exact and an offer
        available earlier is always the timelier."""
        network = self.network
        first_open: list[int] = [-1] * len(network.next_node)
        for i in range(len(network.needs) - 1, -1, -1):  # needs are sorted by id: the lowest wins
            if self.want[i] > 0:
                first_open[network.node_of_need[i]] = i
        for node in range(len(first_open) - 1, -1, -1):  # a chain's nodes are numbered forward
            if first_open[node] < 0 and network.next_node[node] >= 0:
                first_open[node] = first_open[network.next_node[node]]
        return np.array(
            [
                preference(network.needs[first_open[node]], network.offers[j], today)
                if first_open[node] >= 0
                else 0.0
                for j, node in network.entries
            ],
            dtype=float,
        )

    def _reachable(self) -> list[bool]:
        """Needs some offer can reach: the states they are in are the ones fairness counts."""
        entered = [False] * len(self.network.next_node)
        for j, node in self.network.entries:
            if self.left[j] > 0:
                entered[node] = True
        for node, nxt in enumerate(self.network.next_node):  # a chain's nodes are numbered forward
            if nxt >= 0 and entered[node]:
                entered[nxt] = True
        return [
            entered[node] and want > 0
            for node, want in zip(self.network.node_of_need, self.want, strict=True)
        ]

    def solve(self) -> tuple[np.ndarray[Any, np.dtype[np.float64]], str, dict[str, float]]:
        if not self.states:
            return np.zeros(self.variables), "nothing to allocate", {"min_state_coverage": 0.0}
        exact = self.variables <= self.parameters.exact_limit
        highs = self._highs(exact)
        columns = self.variables + 1
        # Stage 1: maximise t (HiGHS minimises: costs are negated).
        cost = np.zeros(columns)
        cost[-1] = -1.0
        if not exact:  # see Parameters.tie_break
            cost[: self.n_needs] = -self.parameters.tie_break * self.total
        highs.changeColsCost(columns, np.arange(columns, dtype=np.int32), cost)
        t = float(self._run(highs)[-1])
        # Stage 2: hold every counted state at t, less a tolerance; maximise the weighted coverage.
        floor = max(t * (1 - self.parameters.fairness_tolerance) - 1e-12, 0.0)
        highs.changeColBounds(self.variables, floor, 1.0)
        cost = np.zeros(columns)
        cost[: self.n_needs] = -self.total
        highs.changeColsCost(columns, np.arange(columns, dtype=np.int32), cost)
        x = self._run(highs)
        covered = float(self.total @ x[: self.n_needs])
        values = {"min_state_coverage": t, "weighted_coverage": covered}
        if self.parameters.preference_stage:
            x = self._prefer(highs, covered)
            values["preference"] = float(self.preference @ x[self.n_needs : self.n_needs + self.n_entries])
        method = (
            "integer program (HiGHS MIP)" if exact else "linear program (HiGHS dual simplex), rounded down"
        )
        return x[:-1], method, values

    def _prefer(self, highs: highspy.Highs, covered: float) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Stage 3: hold the weighted coverage (less a millionth of the heaviest need's step; the
        row scaled like the fairness rows) with t still held; maximise the preferred quantity."""
        columns = self.variables + 1
        heaviest = float(self.total.max())
        if heaviest <= 0:
            return self._run(highs)
        y = np.arange(self.n_needs, dtype=np.int32)
        highs.addRow(covered / heaviest - 1e-6, highspy.kHighsInf, self.n_needs, y, self.total / heaviest)
        cost = np.zeros(columns)
        cost[self.n_needs : self.n_needs + self.n_entries] = -self.preference
        highs.changeColsCost(columns, np.arange(columns, dtype=np.int32), cost)
        return self._run(highs)

    def _highs(self, exact: bool) -> highspy.Highs:
        rows, cols, values, n_rows = self.matrix
        columns = self.variables + 1
        order = np.lexsort((rows, cols))
        start = np.zeros(columns + 1, dtype=np.int32)
        np.cumsum(np.bincount(cols, minlength=columns), out=start[1:])
        highs = highspy.Highs()  # type: ignore[no-untyped-call]  # its __init__ is unannotated
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("threads", 1)  # deterministic, and the machine has other work
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = columns, n_rows
        lp.col_cost_ = np.zeros(columns)
        lp.col_lower_ = np.zeros(columns)
        lp.col_upper_ = self.col_upper
        lp.row_lower_ = np.full(n_rows, -highspy.kHighsInf)
        lp.row_upper_ = self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = rows[order].astype(np.int32)
        lp.a_matrix_.value_ = values[order]
        if exact:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * self.variables + [
                highspy.HighsVarType.kContinuous
            ]
        highs.passModel(lp)
        return highs

    @staticmethod
    def _run(highs: highspy.Highs) -> np.ndarray[Any, np.dtype[np.float64]]:
        highs.run()
        status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverFailedError(f"HiGHS stopped without an optimum: {highs.modelStatusToString(status)}")
        return np.array(highs.getSolution().col_value, dtype=float)


def _decompose(network: Network, model: _Model, flows: np.ndarray[Any, Any]) -> Allocation:
    """Turn flows into (need, offer) quantities in whole steps, preferred offers first; then top up.

    Walking a chain forward, every offer that has entered so far may serve the need at hand (the
    later a need is due, the more offers it may take), so handing out the LP's rounded-down flows
    in this order never fails a need that an earlier one could have left its share to.
    """
    needs, offers = network.needs, network.offers
    left = [int(v) for v in model.left]
    target = [min(int(v + _EPS), int(w)) for v, w in zip(flows[: model.n_needs], model.want, strict=True)]
    budget = [int(v + _EPS) for v in flows[model.n_needs : model.n_needs + model.n_entries]]
    need_at: dict[int, list[int]] = defaultdict(list)
    for i, node in enumerate(network.node_of_need):
        need_at[node].append(i)
    entries_at: dict[int, list[int]] = defaultdict(list)
    for e, (_, node) in enumerate(network.entries):
        entries_at[node].append(e)
    heads = sorted(set(range(len(network.next_node))) - set(network.next_node))
    given: dict[tuple[int, int], int] = defaultdict(int)
    got = [0] * len(needs)

    def walk(limit: list[int], wanted: list[int]) -> None:
        for head in heads:
            pool: list[int] = []
            node = head
            while node >= 0:
                if node in entries_at:
                    pool = sorted(
                        [e for e in pool if limit[e] and left[network.entries[e][0]]] + entries_at[node],
                        key=lambda e: (-model.preference[e], e),
                    )
                for i in need_at[node]:
                    for e in pool:
                        if got[i] >= wanted[i]:
                            break
                        j = network.entries[e][0]
                        take = min(wanted[i] - got[i], limit[e], left[j])
                        if take > 0:
                            given[i, j] += take
                            got[i] += take
                            left[j] -= take
                            limit[e] -= take
                node = network.next_node[node]

    walk(budget, target)
    walk([sum(left)] * len(network.entries), [int(w) for w in model.want])  # top up what rounding left
    return Allocation(
        {
            (needs[i].request_id, offers[j].offer_id): quantity * quantum(needs[i].unit)
            for (i, j), quantity in sorted(given.items())
            if quantity > 0
        }
    )
