"""The generic assignment problem: jobs to agents, agent-dependent costs and weights.

Every job goes to exactly one allowed agent; the weight of the jobs an agent takes stays within
its capacity; the total cost is minimised. Optionally agents are facilities: an agent takes
jobs only when open, exactly `open_count` agents open (p-median) and/or opening agent i costs
`fixed_cost[i]`; an open agent serves at least one job, so the open agents are exactly the
agents the assignment uses. School allocation, the generalised assignment problem (GAP) and
the capacitated p-median problem are all instances of this.

Solvers work on integer costs: `integer_costs` scales costs by a power of ten and rounds them
down, so bounds on the integer problem divided by the scale stay valid for the real one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

REAL_COST_SCALE = 1000  # objective units per cost unit when costs are not integers


class ProblemError(ValueError):
    """An assignment problem whose arrays are inconsistent (shapes, signs, counts)."""


@dataclass(frozen=True)
class AssignmentProblem:
    """Costs and weights are (agents m, jobs n) arrays; capacity is (m,)."""

    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    allowed: np.ndarray | None = None  # (m, n) bool; None: every pair allowed
    open_count: int | None = None  # facilities: exactly this many agents open
    fixed_cost: np.ndarray | None = None  # facilities: (m,) cost of opening each agent
    name: str = ""

    def __post_init__(self) -> None:
        check_problem(self)

    @property
    def m(self) -> int:
        return int(self.cost.shape[0])

    @property
    def n(self) -> int:
        return int(self.cost.shape[1])

    @property
    def has_facilities(self) -> bool:
        return self.open_count is not None or self.fixed_cost is not None

    def allowed_mask(self) -> np.ndarray:
        """(m, n) bool: the pairs a job may be given to."""
        if self.allowed is None:
            return np.ones((self.m, self.n), dtype=bool)
        return np.asarray(self.allowed, dtype=bool)


def check_problem(p: AssignmentProblem) -> None:
    """Raise ProblemError naming the first inconsistent array; return when consistent."""
    c = np.asarray(p.cost)
    if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1:
        raise ProblemError(f"cost must be an (agents, jobs) array, got shape {c.shape}")
    m, n = c.shape
    if not np.all(np.isfinite(c)):
        raise ProblemError("cost has non-finite entries (use `allowed` to forbid pairs)")
    w = np.asarray(p.weight)
    if w.shape != (m, n):
        raise ProblemError(f"weight has shape {w.shape}, expected {(m, n)}")
    if np.any(w < 0) or not np.all(np.equal(np.mod(w, 1), 0)):
        raise ProblemError("weights must be non-negative integers")
    cap = np.asarray(p.capacity)
    if cap.shape != (m,):
        raise ProblemError(f"capacity has shape {cap.shape}, expected {(m,)}")
    if np.any(cap < 0) or not np.all(np.equal(np.mod(cap, 1), 0)):
        raise ProblemError("capacities must be non-negative integers")
    if p.allowed is not None and np.asarray(p.allowed).shape != (m, n):
        raise ProblemError(f"allowed has shape {np.asarray(p.allowed).shape}, expected {(m, n)}")
    if p.allowed is not None and not np.asarray(p.allowed, dtype=bool).any(axis=0).all():
        j = int(np.flatnonzero(~np.asarray(p.allowed, dtype=bool).any(axis=0))[0])
        raise ProblemError(f"job {j} has no allowed agent")
    if p.open_count is not None and not 1 <= p.open_count <= m:
        raise ProblemError(f"open_count must be in 1..{m}, got {p.open_count}")
    if p.open_count is not None and p.open_count > n:
        raise ProblemError(f"open_count {p.open_count} exceeds the {n} jobs (an open agent "
                           "serves at least one job)")
    if p.fixed_cost is not None:
        f = np.asarray(p.fixed_cost)
        if f.shape != (m,) or not np.all(np.isfinite(f)):
            raise ProblemError(f"fixed_cost must be {m} finite numbers")


@dataclass
class IntegerCosts:
    """Costs in integer objective units: `cost` (m, n) and `fixed` (m,), `scale` per unit."""

    cost: np.ndarray
    fixed: np.ndarray
    scale: int
    exact: bool  # True when scaling lost nothing (integer input costs)


def integer_costs(p: AssignmentProblem, scale: int | None = None) -> IntegerCosts:
    """Integer costs floor(scale x cost): exact (scale 1) when every cost is an integer.

    Flooring never raises a cost, so a lower bound of the integer problem divided by the
    scale is a lower bound of the real one; a plan optimal for the integer costs is within
    (jobs + agents) / scale of the real optimum.
    """
    c = np.asarray(p.cost, dtype=float)
    f = (np.zeros(p.m) if p.fixed_cost is None else np.asarray(p.fixed_cost, dtype=float))
    integral = bool(np.all(c == np.rint(c)) and np.all(f == np.rint(f)))
    if scale is None:
        scale = 1 if integral else REAL_COST_SCALE
    exact = integral and scale == 1
    ci = np.floor(c * scale + 1e-9).astype(np.int64)
    fi = np.floor(f * scale + 1e-9).astype(np.int64)
    return IntegerCosts(cost=ci, fixed=fi, scale=int(scale), exact=exact)


@dataclass
class Evaluation:
    """The exact objective of a plan, its loads and open agents, and broken rules."""

    objective: float
    feasible: bool
    load: np.ndarray
    opened: np.ndarray  # (m,) bool: agents used
    errors: list[str] = field(default_factory=list)


def evaluate(p: AssignmentProblem, assign: np.ndarray) -> Evaluation:
    """The exact (real-valued) objective of `assign` (agent per job) and every rule it breaks."""
    assign = np.asarray(assign, dtype=np.int64)
    errors: list[str] = []
    if assign.shape != (p.n,):
        raise ProblemError(f"assignment has shape {assign.shape}, expected {(p.n,)}")
    bad = np.flatnonzero((assign < 0) | (assign >= p.m))
    if len(bad):
        errors.append(f"{len(bad)} jobs without a valid agent (first: job {int(bad[0])})")
        return Evaluation(float("inf"), False, np.zeros(p.m, np.int64), np.zeros(p.m, bool),
                          errors)
    jobs = np.arange(p.n)
    w = np.asarray(p.weight, dtype=np.int64)
    load = np.bincount(assign, weights=w[assign, jobs], minlength=p.m).astype(np.int64)
    opened = np.zeros(p.m, dtype=bool)
    opened[assign] = True
    allowed = p.allowed_mask()[assign, jobs]
    if not allowed.all():
        errors.append(f"job {int(np.flatnonzero(~allowed)[0])} given to a forbidden agent")
    over = np.flatnonzero(load > np.asarray(p.capacity))
    for i in over[:5]:
        errors.append(f"agent {int(i)} over capacity: {int(load[i])} > {int(p.capacity[i])}")
    if p.open_count is not None and opened.sum() != p.open_count:
        errors.append(f"{int(opened.sum())} agents open, expected {p.open_count}")
    obj = float(np.asarray(p.cost, dtype=float)[assign, jobs].sum())
    if p.fixed_cost is not None:
        obj += float(np.asarray(p.fixed_cost, dtype=float)[opened].sum())
    return Evaluation(obj, not errors, load, opened, errors)
