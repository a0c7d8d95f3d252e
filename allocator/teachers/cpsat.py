"""CP-SAT on the rotation model: the only place a CP-SAT object exists for the rotation.

`solve_cp` builds the CpModel straight from the model's arrays, hints every column, runs
with the given workers and limits, and returns plain values; `complete_values` turns moves
on the arcs into a complete, consistent assignment of every column (the hint).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from .base import EQ, SLACK, Z
from .model import RotationModel

Report = Callable[[str, str, float | None, float | None, float | None], None]
INF = 1 << 62


def complete_values(model: RotationModel, arc_values: np.ndarray) -> np.ndarray:
    """Every column's value given the arcs': aux columns from their equalities, z and slack
    columns the least their rows allow (a complete, consistent CP-SAT hint)."""
    x = np.zeros(model.n_cols, dtype=np.int64)
    x[:len(model.arc_g)] = arc_values
    m = model.matrix
    for (name, s, lv), col in model.aux.items():
        r = model.rows[name][s, lv]
        x[col] = model.rhs[r] - int((m[r] @ x)[0])  # the aux column has coefficient 1
    free = (model.kind == Z) | (model.kind == SLACK)
    x[free] = model.lb[free]
    act = m @ np.where(free, 0, x) - model.rhs  # excess of each row without free columns
    coo = m.tocoo()
    pick = free[coo.col] & (coo.data < 0) & (coo.row != model.t1_row)
    need = -(-act[coo.row[pick]] // -coo.data[pick])
    np.maximum.at(x, coo.col[pick], need)
    return x


def objective_of(model: RotationModel, x: np.ndarray, phase: int) -> int:
    """The phase's objective (1: tier 1, 2: tiers 2-3) of values x, objective units."""
    return int(((model.cost1 if phase == 1 else model.cost2) * x).sum())


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Report, stage: str) -> None:
        super().__init__()
        self.report, self.stage, self.last = report, stage, 0.0

    def on_solution_callback(self) -> None:
        now = time.perf_counter()
        if now - self.last < 0.5:
            return
        self.last = now
        obj, bound = self.objective_value, self.best_objective_bound
        gap = max(0.0, obj - bound) / max(abs(obj), 1.0)
        self.report(self.stage, "improving", obj, bound, gap)


def solve_cp(model: RotationModel, phase: int, hint: np.ndarray, time_limit: float,
             workers: int, seed: int, relative_gap: float, report: Report, stage: str
             ) -> tuple[np.ndarray | None, int | None, int | None, str]:
    """CP-SAT on the model with the phase's objective from a complete hint: (values,
    objective, bound, status name); values None when nothing was found."""
    cp = cp_model.CpModel()
    proto = cp.proto
    for lo, hi in zip(model.lb.tolist(), model.ub.tolist(), strict=True):
        proto.variables.add().domain.extend([lo, hi])
    m = model.matrix
    indptr, idx, data = m.indptr.tolist(), m.indices.tolist(), m.data.tolist()
    for r, (rhs, sense) in enumerate(zip(model.rhs.tolist(), model.sense.tolist(),
                                         strict=True)):
        a, b = indptr[r], indptr[r + 1]
        if a == b:
            continue
        ct = proto.constraints.add().linear
        ct.vars.extend(idx[a:b])
        ct.coeffs.extend(data[a:b])
        ct.domain.extend([rhs if sense == EQ else -INF, rhs])
    cost = model.cost1 if phase == 1 else model.cost2
    nz = np.flatnonzero(cost)
    proto.objective.vars.extend(nz.tolist())
    proto.objective.coeffs.extend(cost[nz].tolist())
    proto.solution_hint.vars.extend(range(model.n_cols))
    proto.solution_hint.values.extend(hint.tolist())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = max(0.5, time_limit)
    solver.parameters.relative_gap_limit = relative_gap
    solver.parameters.random_seed = seed
    status = solver.solve(cp, _Progress(report, stage))
    name = solver.status_name(status).lower()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None, None, name
    values = np.array(solver.response_proto.solution, dtype=np.int64)
    return (values, int(round(solver.objective_value)),
            int(np.ceil(solver.best_objective_bound - 1e-6)), name)
