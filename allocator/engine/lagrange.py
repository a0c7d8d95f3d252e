"""Lagrangian relaxation of the assignment rows: knapsack bounds, arc fixing, plans.

With a price u_j on each job's "assigned once" row, the problem splits into one 0-1
knapsack per agent (take the jobs whose price exceeds their cost, within capacity):
    L(u) = sum_j u_j - sum_i K_i(u)            (GAP)
    L(u) = sum_j u_j + sum over the open_count agents of least f_i - K_i(u)  (facilities)
This bound is never weaker than the LP's and usually much stronger when capacities bind.
Subgradient steps raise it from the LP duals. It proves arcs useless: a plan using arc
(i, j) costs at least L with job j forced into agent i's knapsack, so arcs whose forced
bound exceeds a known plan's cost minus one leave the model. Each knapsack solution is
also rounded into a plan (`plan_from_knapsacks`), a cheap source of good hints.

Knapsacks are solved on profits scaled to integers and rounded up, exactly by dynamic
programming while small (`knapsack`), else by Dantzig's bound, so every value computed here
is a valid lower bound on the true one and memory stays bounded at any size.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .core import Core
from .knapsack import EXACT_CELLS, best_knapsack

PROFIT_SCALE = 1024.0  # knapsack profits are ceil(profit x this)


@dataclass
class Lagrangian:
    """The best multipliers found and what the relaxation says at them."""

    bound: float  # best L(u) found (integer cost units)
    u: np.ndarray  # its multipliers
    value: np.ndarray  # (m,) f_i - K_i at u (GAP: -K_i)
    take: np.ndarray  # (m, n) bool knapsack solutions at u
    chosen: np.ndarray  # (m,) bool agents open in the relaxation (all, without facilities)
    iterations: int
    wall_s: float


class Knapsacks:
    """0-1 knapsacks of each agent for given job prices, in bounded memory (`knapsack`):
    exact while small and before `deadline`, else Dantzig's bound, so values never fall
    below the true ones. `exact` counts how many of the solved knapsacks were exact."""

    def __init__(self, core: Core, deadline: float = math.inf):
        self.core = core
        self.deadline = deadline
        self.exact = 0
        self.bounded = 0

    def solve(self, i: int, profit: np.ndarray, cap: int,
              exclude: int = -1) -> tuple[float, np.ndarray]:
        """(value, jobs taken) of agent i with `profit` per job (only positive ones count)
        and capacity `cap`, job `exclude` left out. Value is an upper bound (profits
        rounded up; Dantzig's bound when the knapsack is too large or time is up)."""
        core = self.core
        items = np.flatnonzero((profit > 0) & core.allowed[i])
        if exclude >= 0:
            items = items[items != exclude]
        w = core.W[i, items]
        fit = w <= cap
        items, w = items[fit], w[fit]
        if len(items) == 0 or cap < 0:
            return 0.0, items[:0]
        p = np.ceil(profit[items] * PROFIT_SCALE).astype(np.int64)
        cells = EXACT_CELLS if time.perf_counter() < self.deadline else 0
        val, took, exact = best_knapsack(p, w, int(cap), cells)
        self.exact += exact
        self.bounded += not exact
        return float(val) / PROFIT_SCALE, items[took]

    def all(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(K (m,), take (m, n) bool) for prices u."""
        core = self.core
        K = np.zeros(core.m)
        take = np.zeros((core.m, core.n), dtype=bool)
        for i in range(core.m):
            K[i], jobs = self.solve(i, u - core.C[i], int(core.cap[i]))
            take[i, jobs] = True
        return K, take


def combine(core: Core, u: np.ndarray, K: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(L(u), per-agent value f_i - K_i, agents chosen open) from knapsack values."""
    value = core.fixed - K if core.facilities else -K
    chosen = np.ones(core.m, dtype=bool)
    if core.facilities:
        if core.open_count is not None:
            chosen[:] = False
            chosen[np.argsort(value, kind="stable")[: core.open_count]] = True
        else:
            chosen = value < 0
    return float(u.sum() + value[chosen].sum()), value, chosen


def subgradient(core: Core, u0: np.ndarray, upper: float, *, deadline: float,
                max_iter: int = 300, patience: int = 15, stall: int = 60,
                on_take: Callable[[int, np.ndarray, np.ndarray], float | None] | None = None,
                ) -> Lagrangian:
    """Raise L(u) from `u0` by subgradient steps (Polyak steps towards `upper`, or towards
    the larger of 2 % above the bound and a tenth of the way to `upper` when `upper` is
    farther), until
    `deadline`, `max_iter`, a bound within 1 of `upper`, steps too small to matter, or a
    bound that rose less than 1 % of the remaining gap in the last `stall` iterations.
    `on_take(iteration, take, chosen)` sees every knapsack solution (to build plans from)
    and may return a lower `upper` (a better plan's cost)."""
    t0 = time.perf_counter()
    kn = Knapsacks(core, deadline)
    u = u0.astype(float).copy()
    best: Lagrangian | None = None
    lam, idle = 2.0, 0
    it = 0
    history: list[float] = []
    for it in range(1, max_iter + 1):
        K, take = kn.all(u)
        L, value, chosen = combine(core, u, K)
        if best is None or L > best.bound + 1e-9:
            best = Lagrangian(L, u.copy(), value, take, chosen, it, 0.0)
            idle = 0
        else:
            idle += 1
            if idle >= patience:
                lam, idle = lam / 2.0, 0
        if on_take is not None:
            better = on_take(it, take, chosen)
            if better is not None:
                upper = min(upper, better)
        g = 1.0 - (take & chosen[:, None]).sum(axis=0)
        norm = float((g * g).sum())
        if norm == 0 or best.bound > upper - 1 + 1e-6 or lam < 1e-3:
            break
        history.append(best.bound)
        # aim the steps at a value just above the bound when the known plan is far off
        # (or a tenth of the way to the plan, when the bound is far below it: from zero)
        target = min(upper, best.bound + max(0.02 * max(1.0, abs(best.bound)),
                                             0.1 * (upper - best.bound)))
        if len(history) > stall and history[-1] - history[-1 - stall] < 0.01 * (
                target - history[-1]):
            break  # the bound has stalled
        if time.perf_counter() >= deadline:
            break
        step = lam * max(target - L, 1e-3 * max(1.0, abs(target))) / norm
        u = u + step * g
    assert best is not None
    best.iterations, best.wall_s = it, time.perf_counter() - t0
    return best


def arc_bounds(core: Core, lag: Lagrangian, upper: float, deadline: float,
               max_exact: int = 20_000) -> np.ndarray:
    """(m, n) lower bound on the cost of any plan that uses each arc (inf if not allowed).

    Cheap test first: forcing j into agent i's knapsack lowers K_i by at most the profit
    given up, so bound >= L + (c_ij - u_j) for arcs outside the knapsack. Arcs that this
    test does not exclude (bound <= upper - 1) get the exact forced knapsack, until
    `deadline` (perf_counter) or `max_exact` knapsacks; after that the cheap bound stands.
    """
    L, u = lag.bound, lag.u
    out = np.full((core.m, core.n), math.inf)
    kn = Knapsacks(core, deadline)
    vals_sorted = np.sort(lag.value)
    solved = 0
    for i in range(core.m):
        row = core.allowed[i]
        # L with agent i open (facilities: swap it in for the worst chosen agent)
        if core.facilities and not lag.chosen[i] and core.open_count is not None:
            base = L - vals_sorted[core.open_count - 1] + lag.value[i]
        elif core.facilities and not lag.chosen[i]:
            base = L + lag.value[i]
        else:
            base = L
        profit = u - core.C[i]
        cheap = base + np.maximum(0.0, -profit)  # arcs not taken: lose at most their profit
        cheap = np.where(lag.take[i] & lag.chosen[i], L, np.where(lag.take[i], base, cheap))
        out[i] = np.where(row, cheap, math.inf)
        check = np.flatnonzero(row & ~lag.take[i] & (cheap <= upper - 1 + 1e-6))
        if len(check) == 0 or time.perf_counter() > deadline or solved >= max_exact:
            continue
        solved += len(check)
        Ki = -(lag.value[i] - (core.fixed[i] if core.facilities else 0.0))
        for j in check:
            if time.perf_counter() > deadline:
                break  # the cheap bound stands for the arcs not checked
            rest, _ = kn.solve(i, profit, int(core.cap[i] - core.W[i, j]), exclude=int(j))
            forced = profit[j] + rest  # K_i with j taken
            out[i, j] = max(cheap[j], base + Ki - forced)
    return out
