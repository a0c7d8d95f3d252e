"""Facility swaps: close one open agent, open another, judged by a transportation bound.

For facility problems whose weights do not depend on the agent (p-median: a point's demand
is the same at every median, like a block's pupils at every school), the assignment to a
fixed set of open agents relaxes to a min-cost flow (jobs may split): jobs send their weight
to open agents within capacity, a job's cost shared in proportion. That flow value is a
cheap, tight proxy for how good an open set is. Each sweep scores every swap of an open
agent for a candidate closed one (the closed agents most related to the open ones, and the
ones the Lagrangian relaxation rates best), then solves the assignment of the best few open
sets exactly with CP-SAT and keeps the first that lowers the plan's cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .core import Core, opened, plan_cost
from .model import SubProblem, solve_sub
from .neighbourhood import relatedness

FLOW_SCALE = 1000.0


def uniform_weights(core: Core) -> bool:
    """Whether every job weighs the same at every agent (the flow proxy applies)."""
    return bool(np.all(core.W == core.W[:1]))


@dataclass
class SwapStats:
    sweeps: int = 0
    flows: int = 0
    exact: int = 0
    improved: int = 0


class FlowProxy:
    """Min-cost-flow value of assigning every job to a given open set (splittable)."""

    def __init__(self, core: Core, per_job: int = 10):
        self.core, self.per_job = core, per_job
        self.w = core.W[0].astype(np.int64)
        self.total = int(self.w.sum())

    def cost(self, agents: np.ndarray) -> float:
        """Flow value (cost units) of the open `agents`; inf when capacity falls short."""
        core = self.core
        if int(core.cap[agents].sum()) < self.total:
            return float("inf")
        p, n = len(agents), core.n
        c = np.where(core.allowed[agents], core.C[agents], np.iinfo(np.int64).max // 4)
        t = min(self.per_job, p)
        near = np.argpartition(c, t - 1, axis=0)[:t] if t < p else np.tile(
            np.arange(p)[:, None], (1, n))
        jobs = np.broadcast_to(np.arange(n), near.shape).ravel()
        ag = near.ravel()
        ok = core.allowed[agents[ag], jobs]
        jobs, ag = jobs[ok], ag[ok]
        w = np.maximum(self.w[jobs], 1)
        unit = np.rint(core.C[agents[ag], jobs] * FLOW_SCALE / w).astype(np.int64)
        f = min_cost_flow.SimpleMinCostFlow()
        sink = n + p
        f.add_arcs_with_capacity_and_unit_cost(jobs, n + ag, self.w[jobs], unit)
        f.add_arcs_with_capacity_and_unit_cost(n + np.arange(p), np.full(p, sink),
                                               core.cap[agents], np.zeros(p, np.int64))
        supply = np.zeros(n + p + 1, dtype=np.int64)
        supply[:n] = self.w
        supply[sink] = -self.total
        f.set_nodes_supplies(np.arange(n + p + 1), supply)
        if f.solve() != f.OPTIMAL:
            return float("inf")
        return f.optimal_cost() / FLOW_SCALE


def assign_to(core: Core, agents: np.ndarray, hint: np.ndarray, arcs: np.ndarray,
              time_limit: float, workers: int, seed: int) -> np.ndarray | None:
    """Each job to one of the open `agents` (its few cheapest, plus `arcs`) within capacity,
    every open agent used, by CP-SAT from `hint` (-1 where unknown); None if none found."""
    t = min(8, len(agents))
    c = np.where(core.allowed[agents], core.C[agents], np.iinfo(np.int64).max)
    near = np.argpartition(c, t - 1, axis=0)[:t] if t < len(agents) else np.tile(
        np.arange(len(agents))[:, None], (1, core.n))
    use = np.zeros((core.m, core.n), dtype=bool)
    use[agents[near], np.broadcast_to(np.arange(core.n), near.shape)] = True
    use[agents] |= arcs[agents]
    ok = hint >= 0
    use[hint[ok], np.flatnonzero(ok)] = True
    use &= core.allowed
    sub = SubProblem(jobs=np.arange(core.n), agents=agents, arcs=use,
                     room=core.cap[agents], open_count=len(agents))
    out = solve_sub(core, sub, hint, time_limit=time_limit, workers=workers, seed=seed)
    return out.assign


def swap_search(core: Core, arcs: np.ndarray, assign: np.ndarray, *, deadline: float,
                workers: int = 8, seed: int = 0, attractive: np.ndarray | None = None,
                exact_time: float = 2.0, tries: int = 6,
                per_candidate: int = 4) -> tuple[np.ndarray, SwapStats]:
    """Improve the open set of `assign` by single swaps until no scored swap helps or the
    deadline (perf_counter). Candidates to open: the closed agents most related to each open
    one and the 20 best by `attractive` (m,), lower is better (e.g. Lagrangian f_i - K_i);
    each is tried against its `per_candidate` most related open agents and the
    `per_candidate` open agents whose removal costs least. Starts by re-solving the
    assignment to the current open set. Never returns a worse plan."""
    stats = SwapStats()
    if not core.facilities or not uniform_weights(core):
        return assign, stats
    rng = np.random.default_rng(seed)
    sw = _Swaps(core, FlowProxy(core), relatedness(core, arcs), per_candidate, deadline)
    best, best_cost = assign.copy(), plan_cost(core, assign)
    agents = np.flatnonzero(opened(core, best))
    plan = assign_to(core, agents, best, arcs, min(exact_time, deadline - time.perf_counter()),
                     workers, seed)
    if plan is not None and plan_cost(core, plan) < best_cost:
        best, best_cost = plan, plan_cost(core, plan)
        stats.improved += 1
    while time.perf_counter() < deadline:
        stats.sweeps += 1
        agents = np.flatnonzero(opened(core, best))
        scored = sw.score(agents, attractive, rng, stats)
        moved = False
        for _, i, j in scored[:tries]:
            left = deadline - time.perf_counter()
            if left <= 0.05:
                break
            trial = np.where(agents == i, j, agents)
            hint = np.where(best == i, -1, best)
            plan = assign_to(core, trial, hint, arcs, min(exact_time, left), workers,
                             int(rng.integers(1 << 30)))
            stats.exact += 1
            if plan is not None and plan_cost(core, plan) < best_cost:
                best, best_cost = plan, plan_cost(core, plan)
                stats.improved += 1
                moved = True
                break
        if not moved:
            break
    return best, stats


@dataclass
class _Swaps:
    """What a sweep of swaps scores with: the flow proxy and agent relatedness."""

    core: Core
    proxy: FlowProxy
    related: np.ndarray
    per_candidate: int
    deadline: float

    def score(self, agents: np.ndarray, attractive: np.ndarray | None,
              rng: np.random.Generator, stats: SwapStats) -> list[tuple[float, int, int]]:
        """(flow value, open agent to close, closed agent to open) of every scored swap that
        lowers the flow value of the open `agents`, best first; stops at the deadline."""
        core, proxy, related, k = self.core, self.proxy, self.related, self.per_candidate
        open_ = np.zeros(core.m, dtype=bool)
        open_[agents] = True
        base = proxy.cost(agents)
        removal = []
        for q in range(len(agents)):
            if time.perf_counter() >= self.deadline:
                return []
            removal.append(proxy.cost(np.delete(agents, q)))
        stats.flows += len(agents) + 1
        useless = agents[np.argsort(np.array(removal), kind="stable")[:k]]
        closed = ~open_ & core.allowed.any(axis=1)
        cand = np.zeros(core.m, dtype=bool)
        for i in agents:  # the closed agents most related to each open one
            r = np.where(closed, related[i], -1)
            cand[np.argsort(-r)[:2]] = True
        if attractive is not None:
            a = np.where(closed, attractive, np.inf)
            cand[np.argsort(a)[:20]] = True
        cand &= closed
        scored = []
        for j in rng.permutation(np.flatnonzero(cand)):
            if time.perf_counter() >= self.deadline:
                break
            near = agents[np.argsort(-related[j, agents])[:k]]
            for i in np.unique(np.concatenate([near, useless])):
                v = proxy.cost(np.where(agents == i, j, agents))
                stats.flows += 1
                if v < base - 1e-9:
                    scored.append((v, int(i), int(j)))
        scored.sort()
        return scored
