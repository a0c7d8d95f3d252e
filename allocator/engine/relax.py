"""LP relaxation with column generation: a lower bound for every allowed arc, and reduced costs.

The LP (GLOP) holds the candidate arcs only. Rows: each job assigned once (with an artificial
column at a high price so the restricted LP is always feasible), each agent's weight within
its capacity (times its open variable for facilities), x_ij <= y_i for candidate arcs of
facilities, and sum y = open_count. After each solve every allowed arc is priced with the
duals; arcs with negative reduced cost join the LP until none is left.

The bound is the Lagrangian value of the duals (clipped to their feasible signs):
    L = sum_rows rhs x dual + sum_columns min(0, reduced cost) x upper bound,
taken over every allowed arc, so it is valid for the unpruned problem whether or not pricing
has converged, and equals the LP optimum when it has. For any plan that uses an arc with
reduced cost rc, cost >= L + max(rc, 0): `prune_arcs` drops arcs that cannot be in a plan better
than a known one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from .core import Core

TOL = 1e-7


@dataclass
class Relaxation:
    """The LP on the candidate arcs: values, duals, reduced costs and the bound."""

    value: float  # LP optimum on the candidate arcs (integer cost units)
    bound: float  # Lagrangian bound valid for every allowed arc (integer cost units)
    x: np.ndarray  # (m, n) LP values on candidate arcs
    y: np.ndarray  # (m,) LP open values (ones without facilities)
    rc: np.ndarray  # (m, n) reduced cost of every arc (+inf where not allowed)
    arcs: np.ndarray  # (m, n) bool: candidate arcs after pricing
    u: np.ndarray  # (n,) dual price of each job's assignment row
    artificial: float  # LP mass still on artificial columns (> 0: LP found no placement)
    rounds: int
    wall_s: float
    method: str = "lp"  # lp | cheapest (the LP found no optimum in time: see `cheapest_bound`)

    def int_bound(self) -> int:
        """The bound rounded up (plans have integer cost), with a margin for float error."""
        return math.ceil(self.bound - 1e-6 * max(1.0, abs(self.bound)))


class _LP:
    """The restricted LP in GLOP; arcs are added between solves."""

    def __init__(self, core: Core, big: float):
        self.core = core
        s = pywraplp.Solver.CreateSolver("GLOP")
        if s is None:
            raise RuntimeError("GLOP is not available in this OR-Tools build")
        self.s = s
        m, n = core.m, core.n
        inf = s.infinity()
        self.obj = s.Objective()
        self.obj.SetMinimization()
        self.art = [s.NumVar(0.0, 1.0, "") for _ in range(n)]
        self.rows = []
        for j in range(n):
            r = s.Constraint(1.0, 1.0)
            r.SetCoefficient(self.art[j], 1.0)
            self.obj.SetCoefficient(self.art[j], big)
            self.rows.append(r)
        self.y = []
        self.cap_rows = []
        for i in range(m):
            if core.facilities:
                r = s.Constraint(-inf, 0.0)
                yi = s.NumVar(0.0, 1.0, "")
                r.SetCoefficient(yi, -float(core.cap[i]))
                self.obj.SetCoefficient(yi, float(core.fixed[i]))
                self.y.append(yi)
            else:
                r = s.Constraint(-inf, float(core.cap[i]))
            self.cap_rows.append(r)
        self.open_row = None
        if core.open_count is not None:
            self.open_row = s.Constraint(float(core.open_count), float(core.open_count))
            for yi in self.y:
                self.open_row.SetCoefficient(yi, 1.0)
        self.has = np.zeros((m, n), dtype=bool)
        self.arc_i: list[int] = []
        self.arc_j: list[int] = []
        self.xs: list = []
        self.links: list = []

    def set_big(self, big: float) -> None:
        """Price of the artificial columns."""
        for a in self.art:
            self.obj.SetCoefficient(a, big)

    def add_arcs(self, mask: np.ndarray) -> int:
        """Add the arcs of `mask` not yet in the LP; returns how many were added."""
        core, s = self.core, self.s
        ii, jj = np.nonzero(mask & ~self.has)
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            x = s.NumVar(0.0, 1.0, "")
            self.obj.SetCoefficient(x, float(core.C[i, j]))
            self.rows[j].SetCoefficient(x, 1.0)
            self.cap_rows[i].SetCoefficient(x, float(core.W[i, j]))
            if core.facilities:
                r = s.Constraint(-s.infinity(), 0.0)
                r.SetCoefficient(x, 1.0)
                r.SetCoefficient(self.y[i], -1.0)
                self.links.append(r)
            self.xs.append(x)
        self.arc_i += ii.tolist()
        self.arc_j += jj.tolist()
        self.has[ii, jj] = True
        return len(ii)

    def solve(self, time_limit: float) -> bool:
        """Solve the LP; True when GLOP reports an optimum."""
        self.s.SetTimeLimit(max(1, int(1000 * time_limit)))
        return self.s.Solve() == pywraplp.Solver.OPTIMAL

    def duals(self):
        """(u jobs, v capacity <= 0, link matrix <= 0, mu open) clipped to valid signs."""
        core = self.core
        u = np.array([r.dual_value() for r in self.rows])
        v = np.minimum(0.0, np.array([r.dual_value() for r in self.cap_rows]))
        lam = np.zeros((core.m, core.n))
        if core.facilities and self.links:
            lam[np.array(self.arc_i), np.array(self.arc_j)] = np.minimum(
                0.0, np.array([r.dual_value() for r in self.links]))
        mu = self.open_row.dual_value() if self.open_row is not None else 0.0
        return u, v, lam, mu

    def values(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(x (m, n), y (m,), artificial mass) of the last solve."""
        core = self.core
        x = np.zeros((core.m, core.n))
        if self.xs:
            x[np.array(self.arc_i), np.array(self.arc_j)] = [v.solution_value() for v in self.xs]
        y = (np.array([v.solution_value() for v in self.y]) if core.facilities
             else np.ones(core.m))
        art = float(sum(a.solution_value() for a in self.art))
        return x, y, art


def lagrangian(core: Core, u, v, lam, mu, big: float) -> tuple[float, np.ndarray]:
    """(bound, reduced cost of every arc) for the given duals; see the module docstring."""
    rc = core.C - u[None, :] - core.W * v[:, None] - lam
    rc = np.where(core.allowed, rc, np.inf)
    bound = float(u.sum()) + float(np.minimum(0.0, rc[core.allowed]).sum())
    bound += float(np.minimum(0.0, big - u).sum())  # artificial columns
    if core.facilities:
        rc_y = core.fixed + core.cap * v + lam.sum(axis=1) - mu
        bound += float(np.minimum(0.0, rc_y).sum())
        if core.open_count is not None:
            bound += mu * core.open_count
    else:
        bound += float((v * core.cap).sum())
    return bound, rc


def priced_arcs(core: Core, has: np.ndarray, rc: np.ndarray, per_job: int) -> np.ndarray:
    """(m, n) bool: for each job, up to `per_job` arcs not in the LP with negative reduced cost."""
    val = np.where(core.allowed & ~has & (rc < -TOL), rc, np.inf)
    k = min(per_job, core.m)
    idx = np.argpartition(val, k - 1, axis=0)[:k] if k < core.m else np.tile(
        np.arange(core.m)[:, None], (1, core.n))
    out = np.zeros_like(has)
    cols = np.broadcast_to(np.arange(core.n), idx.shape)
    ok = np.isfinite(val[idx, cols])
    out[idx[ok], cols[ok]] = True
    return out


def relax(core: Core, arcs: np.ndarray, time_limit: float, per_job: int = 4,
          max_rounds: int = 60, close: float = 1e-4) -> Relaxation:
    """Solve the LP on `arcs`, growing them by pricing until no arc has negative reduced cost,
    the bound is within `close` (relative) of the LP value, `max_rounds` or the time limit.
    Every round's Lagrangian bound is valid for all allowed arcs; the best round is kept
    (a solve cut short by the time limit gives no duals and is ignored). When no round
    finishes in time, or `time_limit` <= 0, the result is `cheapest_bound` (method
    "cheapest"), never an error."""
    t0 = time.perf_counter()
    big = float(core.C.max() + core.fixed.max() + 1) * 4.0
    if time_limit <= 0:  # no time for the LP: its stand-in at once
        best = cheapest_bound(core, arcs & core.allowed, big)
        best.wall_s = time.perf_counter() - t0
        return best
    big_limit = big * 1e6
    lp = _LP(core, big)
    lp.add_arcs(arcs & core.allowed)
    rounds = 0
    best: Relaxation | None = None
    while True:
        rounds += 1
        left = time_limit - (time.perf_counter() - t0)
        if not lp.solve(max(0.05, left)):
            break
        u, v, lam, mu = lp.duals()
        bound, rc = lagrangian(core, u, v, lam, mu, big)
        x, y, art = lp.values()
        value = lp.s.Objective().Value()
        if best is None or bound > best.bound:
            best = Relaxation(value=value, bound=bound, x=x, y=y, rc=rc, arcs=lp.has.copy(),
                              u=u, artificial=art, rounds=rounds, wall_s=0.0)
        if rounds >= max_rounds or time.perf_counter() - t0 > time_limit:
            break
        if art <= TOL and bound >= value - close * max(1.0, abs(value)):
            break  # pricing could raise the bound by less than `close`
        new = priced_arcs(core, lp.has, rc, per_job)
        if new.any():
            lp.add_arcs(new)
            continue
        if art > TOL and big < big_limit:
            big *= 16.0  # the artificial price may be what keeps jobs off real arcs
            lp.set_big(big)
            continue
        break
    if best is None:
        best = cheapest_bound(core, lp.has, big)
    best.rounds, best.wall_s = rounds, time.perf_counter() - t0
    return best


def cheapest_bound(core: Core, arcs: np.ndarray, big: float) -> Relaxation:
    """The relaxation's stand-in when the LP finds no optimum in time: each job priced at its
    cheapest allowed arc, every other dual zero. Its Lagrangian value (every job at its
    cheapest agent, capacities ignored) is a valid bound; x puts each job on that arc and,
    for facilities, y is the weight of the jobs whose candidate arcs reach an agent (each
    job spread evenly over them) as a share of its capacity, so the most wanted agents
    open first. The Lagrangian relaxation then raises the bound from these prices."""
    c = np.where(core.allowed, core.C, np.iinfo(np.int64).max)
    best = np.argmin(c, axis=0)
    jobs = np.arange(core.n)
    u = core.C[best, jobs].astype(float)
    zero_m = np.zeros(core.m)
    bound, rc = lagrangian(core, u, zero_m, np.zeros((core.m, core.n)), 0.0, big)
    x = np.zeros((core.m, core.n))
    x[best, jobs] = 1.0
    y = np.ones(core.m)
    if core.facilities:  # each job's weight spread over its candidate arcs
        share = (arcs & core.allowed) / np.maximum(1, (arcs & core.allowed).sum(axis=0))
        load = (share * core.W).sum(axis=1)
        y = np.minimum(1.0, load / np.maximum(core.cap, 1))
    return Relaxation(value=bound, bound=bound, x=x, y=y, rc=rc, arcs=arcs | (x > 0),
                      u=u, artificial=0.0, rounds=0, wall_s=0.0, method="cheapest")


def arc_bounds(core: Core, rel: Relaxation) -> np.ndarray:
    """(m, n) lower bound on the cost of any plan using each arc: L + max(rc, 0) (inf where
    not allowed)."""
    return np.where(core.allowed, rel.bound + np.maximum(0.0, rel.rc), math.inf)


def prune_arcs(core: Core, arc_lb: np.ndarray, upper: int) -> np.ndarray:
    """(m, n) bool: allowed arcs that can appear in a plan costing at most upper - 1
    (every other arc's bound exceeds upper - 1, so a plan using it costs at least `upper`)."""
    return core.allowed & (arc_lb <= upper - 1 + 1e-6 * max(1.0, abs(upper)))


def excluded_bound(core: Core, arc_lb: np.ndarray, kept: np.ndarray) -> float:
    """Least cost of any plan that uses an allowed arc outside `kept` (+inf if none)."""
    out = core.allowed & ~kept
    if not out.any():
        return math.inf
    return float(arc_lb[out].min())
