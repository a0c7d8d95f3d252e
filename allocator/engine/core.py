"""The integer working form of an assignment problem, and plans over it.

A plan is an agent per job (`assign`, -1 for a job not placed yet). For facility problems the
open agents are exactly the agents a complete plan uses (an open agent serves a job), so a
plan needs no separate open set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import AssignmentProblem, integer_costs


@dataclass
class Core:
    """Integer costs C (m, n), weights W, capacities, the allowed mask and facility data."""

    C: np.ndarray
    W: np.ndarray
    cap: np.ndarray
    allowed: np.ndarray
    fixed: np.ndarray  # (m,) integer opening costs (zeros without facilities)
    open_count: int | None
    facilities: bool
    scale: int
    exact: bool

    @property
    def m(self) -> int:
        return int(self.C.shape[0])

    @property
    def n(self) -> int:
        return int(self.C.shape[1])


def build_core(p: AssignmentProblem, scale: int | None = None) -> Core:
    """The integer working form of `p` (see `problem.integer_costs` for the scaling)."""
    ic = integer_costs(p, scale)
    return Core(C=ic.cost, W=np.asarray(p.weight, dtype=np.int64),
                cap=np.asarray(p.capacity, dtype=np.int64), allowed=p.allowed_mask(),
                fixed=ic.fixed, open_count=p.open_count, facilities=p.has_facilities,
                scale=ic.scale, exact=ic.exact)


def loads(core: Core, assign: np.ndarray) -> np.ndarray:
    """Weight each agent carries under `assign` (unplaced jobs ignored)."""
    ok = assign >= 0
    j = np.flatnonzero(ok)
    return np.bincount(assign[ok], weights=core.W[assign[ok], j], minlength=core.m).astype(
        np.int64)


def opened(core: Core, assign: np.ndarray) -> np.ndarray:
    """(m,) bool: agents that serve at least one job."""
    out = np.zeros(core.m, dtype=bool)
    out[assign[assign >= 0]] = True
    return out


def plan_cost(core: Core, assign: np.ndarray) -> int:
    """Integer objective of a complete plan: arc costs plus opening costs of used agents."""
    return int(core.C[assign, np.arange(core.n)].sum() + core.fixed[opened(core, assign)].sum())


def is_feasible(core: Core, assign: np.ndarray) -> bool:
    """Whether `assign` is complete, allowed, within capacity and opens the right count."""
    if (assign < 0).any() or not core.allowed[assign, np.arange(core.n)].all():
        return False
    if (loads(core, assign) > core.cap).any():
        return False
    return core.open_count is None or int(opened(core, assign).sum()) == core.open_count
