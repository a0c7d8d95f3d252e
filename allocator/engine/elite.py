"""What both tabu walks share: their counters, the walked plan, the elite plans and the
restart plans."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .core import Core, loads

ELITE = 6  # elite plans kept for relinking
KICK = 0.03  # share of jobs shifted at random when a restart has no second elite plan


@dataclass
class TabuStats:
    """Counters of a tabu search."""

    iterations: int = 0
    improved: int = 0
    best: int = 0
    restarts: int = 0


@dataclass
class Elite:
    """The best distinct feasible plans seen (cost, plan), cheapest first."""

    plans: list = field(default_factory=list)

    def offer(self, cost: int, plan: np.ndarray) -> None:
        """Keep `plan` when it is new and among the `ELITE` cheapest."""
        if any(c == cost and np.array_equal(p, plan) for c, p in self.plans):
            return
        self.plans.append((cost, plan.copy()))
        self.plans.sort(key=lambda t: t[0])
        del self.plans[ELITE:]


def restart_plan(core: Core, usable: np.ndarray, elite: Elite,
                 rng: np.random.Generator, kick: float = KICK) -> np.ndarray:
    """A start between the best elite plan and another (half of their differing jobs take
    the other's agent), or the best plan with `kick` of its jobs moved to random usable
    agents (facilities: the best plan itself). Every job keeps a usable agent."""
    plan = elite.plans[0][1].copy()
    if core.facilities:
        return plan
    if len(elite.plans) > 1:
        other = elite.plans[int(rng.integers(1, len(elite.plans)))][1]
        diff = np.flatnonzero(plan != other)
        take = diff[rng.random(diff.size) < 0.5]
        plan[take] = other[take]
        return plan
    for j in rng.choice(core.n, max(1, int(kick * core.n)), replace=False):
        agents = np.flatnonzero(usable[:, j])
        plan[j] = agents[int(rng.integers(agents.size))]
    return plan


@dataclass
class Walk:
    """The current plan of a tabu walk: agent per job, loads, job counts, arc cost."""

    a: np.ndarray
    load: np.ndarray
    count: np.ndarray
    cost: float

    @classmethod
    def of(cls, core: Core, C: np.ndarray, assign: np.ndarray) -> Walk:
        """The walk at plan `assign` (loads, counts and cost computed from scratch; agent
        per job, loads and counts as contiguous int64, as the compiled walk needs them)."""
        a = np.array(assign, dtype=np.int64)
        return cls(a, loads(core, a), np.bincount(a, minlength=core.m).astype(np.int64),
                   float(C[a, np.arange(core.n)].sum()))

    def shift(self, C: np.ndarray, W: np.ndarray, j: int, i: int) -> None:
        """Move job j to agent i, keeping loads, counts and cost exact."""
        src = self.a[j]
        self.load[src] -= W[src, j]
        self.load[i] += W[i, j]
        self.count[src] -= 1
        self.count[i] += 1
        self.cost += float(C[i, j] - C[src, j])
        self.a[j] = i

    def swap(self, C: np.ndarray, W: np.ndarray, j: int, k: int) -> None:
        """Exchange the agents of jobs j and k, keeping loads, counts and cost exact."""
        p, q = self.a[j], self.a[k]
        self.load[p] += W[p, k] - W[p, j]
        self.load[q] += W[q, j] - W[q, k]
        self.cost += float(C[q, j] + C[p, k] - C[p, j] - C[q, k])
        self.a[j], self.a[k] = q, p
