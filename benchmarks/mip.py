"""One MILP, written once, that every peer solver reads: arrays in an .npz file.

min cost . v  s.t.  row_lower <= A v <= row_upper,  lower <= v <= upper, v integer where
`integer`. The first `n_arcs` variables are assignment arcs (`arc_job`, `arc_agent`), so a
peer's solution decodes to an agent per job the same way for every problem. `int_cost`
holds the integer costs a CP-SAT peer needs (costs times `int_scale`, rounded down, as the
engine scales them). Only numpy is needed to read it: a peer process that must not import
OR-Tools (highspy) loads it without touching the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

INF = float("inf")


@dataclass
class Milp:
    """A MILP in coordinate form, with the arc variables first (see the module)."""

    name: str
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    rows: np.ndarray  # coordinate form of A
    cols: np.ndarray
    vals: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    n_arcs: int
    arc_job: np.ndarray
    arc_agent: np.ndarray
    int_cost: np.ndarray
    int_scale: int = 1

    @property
    def n_vars(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    def save(self, path: Path) -> None:
        """Write the model as an .npz file (`load_milp` reads it back)."""
        np.savez(path, name=np.array(self.name), cost=self.cost, lower=self.lower,
                 upper=self.upper, integer=self.integer, rows=self.rows, cols=self.cols,
                 vals=self.vals, row_lower=self.row_lower, row_upper=self.row_upper,
                 n_arcs=np.array(self.n_arcs), arc_job=self.arc_job, arc_agent=self.arc_agent,
                 int_cost=self.int_cost, int_scale=np.array(self.int_scale))


def load_milp(path: Path) -> Milp:
    """Read a model written by `Milp.save`."""
    z = np.load(path)
    return Milp(name=str(z["name"]), cost=z["cost"], lower=z["lower"], upper=z["upper"],
                integer=z["integer"], rows=z["rows"], cols=z["cols"], vals=z["vals"],
                row_lower=z["row_lower"], row_upper=z["row_upper"], n_arcs=int(z["n_arcs"]),
                arc_job=z["arc_job"], arc_agent=z["arc_agent"], int_cost=z["int_cost"],
                int_scale=int(z["int_scale"]))


@dataclass
class MilpBuilder:
    """Collects variables and rows; `build` returns the Milp."""

    cost: list = field(default_factory=list)
    int_cost: list = field(default_factory=list)
    lower: list = field(default_factory=list)
    upper: list = field(default_factory=list)
    integer: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    cols: list = field(default_factory=list)
    vals: list = field(default_factory=list)
    row_lower: list = field(default_factory=list)
    row_upper: list = field(default_factory=list)

    def add_vars(self, cost, int_cost, lower, upper, integer: bool) -> np.ndarray:
        """Add len(cost) variables; returns their indices."""
        cost = np.asarray(cost, dtype=float)
        start = sum(len(c) for c in self.cost)
        k = len(cost)
        self.cost.append(cost)
        self.int_cost.append(np.asarray(int_cost, dtype=np.int64))
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (k,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (k,)))
        self.integer.append(np.full(k, integer))
        return np.arange(start, start + k)

    def add_row(self, cols, vals, lo: float, hi: float) -> None:
        """One row lo <= sum vals x cols <= hi."""
        r = len(self.row_lower)
        cols = np.asarray(cols, dtype=np.int64)
        self.rows.append(np.full(len(cols), r, dtype=np.int64))
        self.cols.append(cols)
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=float), (len(cols),)))
        self.row_lower.append(lo)
        self.row_upper.append(hi)

    def build(self, name: str, arc_job, arc_agent, int_scale: int) -> Milp:
        """The Milp of everything added so far."""
        def cat(parts, dtype):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        return Milp(name=name, cost=cat(self.cost, float), lower=cat(self.lower, float),
                    upper=cat(self.upper, float), integer=cat(self.integer, bool),
                    rows=cat(self.rows, np.int64), cols=cat(self.cols, np.int64),
                    vals=cat(self.vals, float), row_lower=np.array(self.row_lower, float),
                    row_upper=np.array(self.row_upper, float), n_arcs=len(arc_job),
                    arc_job=np.asarray(arc_job, np.int64),
                    arc_agent=np.asarray(arc_agent, np.int64),
                    int_cost=cat(self.int_cost, np.int64), int_scale=int_scale)


def decode(milp: Milp, values: np.ndarray, n_jobs: int) -> np.ndarray | None:
    """Agent per job from a solution vector (the arc with the largest value > 0.5), or None
    when some job has no arc above 0.5."""
    x = np.asarray(values, dtype=float)[: milp.n_arcs]
    best = np.full(n_jobs, -1, dtype=np.int64)
    val = np.full(n_jobs, 0.5)
    for a in np.flatnonzero(x > 0.5):
        j = milp.arc_job[a]
        if x[a] > val[j]:
            val[j], best[j] = x[a], milp.arc_agent[a]
    return None if (best < 0).any() else best
