"""The teacher rotation stage (交流轮岗): CP-SAT on the rotation model, lexicographically.

`solve_rotation(roster, ...)` returns a `RotationOutcome` (plain arrays and numbers; no
solver object leaves this module):

1. candidates and a greedy rotation (`rotation_greedy`), the complete hint;
2. phase 1, tier 1 (weighted shortfall on the elastic rules): the greedy value is kept when
   the LP bound proves it; else CP-SAT minimises it;
3. phase 2, balance + distance + involuntary moves with tier 1 held at its best value: LP
   bound with pricing, then CP-SAT from the best rotation so far; while a school's count
   lands outside its balance window, the window grows and CP-SAT runs again.

The lower bounds hold for every admissible arc, not only the candidates (`rotation_lp`).
Strict mode: a proven positive tier 1 means the rules cannot all hold (status infeasible);
an unproven one, status unknown; either way the best rotation found explains which rules
break where.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from .roster import Roster
from .rotation_greedy import greedy_rotation
from .rotation_lp import Relaxation, initial_candidates, relax
from .rotation_model import (
    EQ,
    SLACK,
    RotationModel,
    Z,
    build_model,
    outside_windows,
    satisfied,
)
from .rotation_model import initial_windows as make_windows
from .rotation_objective import UNITS, balance_value, county_mean

Report = Callable[[str, str, float | None, float | None, float | None], None]
INF = 1 << 62


@dataclass
class RotationOutcome:
    """A solved rotation: moves per (group, destination) and the figures of the solve."""

    roster: Roster
    arc_g: np.ndarray
    arc_j: np.ndarray
    moves: np.ndarray  # teachers of group arc_g[i] moving to school arc_j[i]
    status: str
    tier1: int
    tier1_bound: int
    objective: int  # tiers 2-3, objective units
    bound: int
    gap: float
    stats: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


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


def tier1_of(ro: Roster, arc_g: np.ndarray, arc_j: np.ndarray, moves: np.ndarray,
             windows: dict) -> int:
    model = build_model(ro, arc_g, arc_j, windows, with_balance=False)
    return objective_of(model, complete_values(model, moves), 1)


def combine_bound(rel: Relaxation, cp_bound: int | None, all_arcs: bool) -> int:
    """A bound valid for every admissible arc from the LP (with pricing) and CP-SAT's bound
    on the candidates: CP-SAT's counts fully when the candidates are every arc, else up to
    the LP value plus the least reduced cost of an excluded arc."""
    lp = int(np.ceil(rel.bound - 1e-6)) if rel.solved else 0
    if cp_bound is None:
        return lp
    if all_arcs:
        return max(lp, cp_bound)
    return max(lp, min(cp_bound, int(np.ceil(rel.value + rel.margin - 1e-6))))


def round_lp(ro: Roster, g: np.ndarray, j: np.ndarray, lp: np.ndarray | None, windows: dict,
             phase: int, t1_cap: int | None) -> tuple[np.ndarray, int] | None:
    """The LP arc values rounded down, repaired where a hard rule breaks and completed
    greedily: (moves, objective of the phase), or None without an LP solution or when the
    result breaks the tier-1 cap."""
    if lp is None or len(lp) != len(g):
        return None
    moves = greedy_rotation(ro, g, j, start=np.floor(lp + 1e-6).astype(np.int64))
    model = build_model(ro, g, j, windows, t1_cap, with_balance=phase == 2)
    x = complete_values(model, moves)
    if not satisfied(model, x):
        return None
    return moves, objective_of(model, x, phase)


def solve_rotation(ro: Roster, *, strict: bool, time_limit: float, workers: int = 8,
                   seed: int = 0, relative_gap: float = 0.001,
                   report: Report | None = None) -> RotationOutcome:
    """Solve the rotation of `ro` within about `time_limit` seconds; see the module."""
    say = report or (lambda *a: None)
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 3)
        return now

    cand = initial_candidates(ro)
    windows = make_windows(ro)
    g, j = np.nonzero(cand)
    say("hint", f"{ro.n_groups} groups, {int(ro.admissible.sum())} admissible arcs, "
        f"{len(g)} candidates: greedy rotation", None, None, None)
    moves = greedy_rotation(ro, g, j)
    t1 = tier1_of(ro, g, j, moves, windows)
    t = lap("greedy", t0)
    stats: dict = {"groups": ro.n_groups, "admissible_arcs": int(ro.admissible.sum()),
                   "greedy_moves": int(moves.sum()), "greedy_tier1": t1}
    lb1 = 0
    if t1 > 0:
        rel1 = relax(ro, cand, windows, 1, None, deadline - 0.7 * time_limit)
        cand, lb1 = rel1.candidates, combine_bound(rel1, None, False)
        g, j, moves = _extend(g, j, moves, cand)
        rounded = round_lp(ro, g, j, rel1.arc_values, windows, 1, None)
        if rounded is not None and rounded[1] < t1:
            moves, t1 = rounded
        stats["phase1_lp"] = {"bound": rel1.bound, "rounds": rel1.rounds,
                              "arcs_added": rel1.added, "rounded": None if rounded is None
                              else rounded[1]}
        if t1 > lb1:
            model = build_model(ro, g, j, windows, with_balance=False)
            hint = complete_values(model, moves)
            say("tier 1", "minimising rule shortfalls", t1, lb1, None)
            budget = 0.5 * (deadline - time.perf_counter())
            values, obj, bound, name = solve_cp(model, 1, hint, budget, workers, seed, 0.0,
                                                say, "tier 1")
            stats["phase1_cp"] = {"status": name, "objective": obj, "bound": bound}
            if values is not None and obj < t1:
                t1, moves = obj, values[:len(g)]
            if bound is not None:
                all_arcs = bool(cand.sum() == ro.admissible.sum())
                lb1 = max(lb1, combine_bound(rel1, bound, all_arcs))
        t = lap("tier1", t)
    say("bound", "LP bound of balance and distance", None, None, None)
    rel2 = relax(ro, cand, windows, 2, t1, deadline - 0.6 * max(0.0, deadline - t))
    cand = rel2.candidates
    g, j, moves = _extend(g, j, moves, cand)
    all_arcs = bool(cand.sum() == ro.admissible.sum())
    bound2 = combine_bound(rel2, None, all_arcs)
    rounded = round_lp(ro, g, j, rel2.arc_values, windows, 2, t1)
    stats["phase2_lp"] = {"bound": rel2.bound / UNITS, "rounds": rel2.rounds,
                          "arcs_added": rel2.added, "candidates": int(cand.sum()),
                          "rounded": None if rounded is None else rounded[1] / UNITS}
    t = lap("bound", t)
    for attempt in range(4):
        model = build_model(ro, g, j, windows, t1)
        hint = complete_values(model, moves)
        obj = objective_of(model, hint, 2)
        if rounded is not None and rounded[1] < obj:
            hint = complete_values(model, rounded[0])
            obj = objective_of(model, hint, 2)
        rounded = None
        say("search", f"improving balance and distance (attempt {attempt + 1})", obj,
            bound2, None)
        left = deadline - time.perf_counter()
        if obj - bound2 <= relative_gap * max(obj, 1):  # the LP bound proves it good enough
            values, cp_obj, cp_bound, name = None, None, None, "skipped: within the gap"
        else:
            values, cp_obj, cp_bound, name = solve_cp(model, 2, hint, left, workers, seed,
                                                      relative_gap, say, "search")
        stats["phase2_cp"] = {"status": name, "objective": None if cp_obj is None
                              else cp_obj / UNITS, "bound": None if cp_bound is None
                              else cp_bound / UNITS, "attempts": attempt + 1}
        x = values if values is not None else hint
        moves = x[:len(g)]
        wider = outside_windows(model, x)
        if cp_bound is not None:  # the windowed model is a relaxation: its bound holds
            bound2 = max(bound2, combine_bound(rel2, cp_bound, all_arcs))
        if not wider or time.perf_counter() > deadline - 0.5:
            break
        windows = {**windows, **wider}
    t = lap("search", t)
    objective = true_objective(ro, g, j, moves)
    bound2 = min(bound2, objective)
    gap = (objective - bound2) / max(abs(objective), 1)
    status = rotation_status(strict, t1, lb1, objective, bound2)
    keep = moves > 0
    stats.update({"candidates": len(g), "moves": int(moves.sum()), "tier1": t1,
                  "tier1_bound": lb1})
    timings["total"] = round(time.perf_counter() - t0, 3)
    return RotationOutcome(ro, g[keep], j[keep], moves[keep], status, t1, lb1, objective,
                           bound2, round(gap, 6), stats, timings)


def _extend(g: np.ndarray, j: np.ndarray, moves: np.ndarray, cand: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate arcs of `cand` (row-major), carrying over the moves on arcs (g, j)."""
    ng, nj = np.nonzero(cand)
    width = cand.shape[1]
    lookup = dict(zip((g * width + j).tolist(), moves.tolist(), strict=True))
    new = np.array([lookup.get(k, 0) for k in (ng * width + nj).tolist()], dtype=np.int64)
    return ng, nj, new


def true_objective(ro: Roster, g: np.ndarray, j: np.ndarray, moves: np.ndarray) -> int:
    """Tiers 2-3 of a rotation in objective units, with every balance term exact."""
    total = int((ro.cost[g, j] * moves).sum())
    weight = ro.policy.rotation.weights.balance
    if weight <= 0:
        return total
    for before, attr in ((ro.b0, ro.g_backbone), (ro.s0, ro.g_senior)):
        after = before.copy()
        sel = attr[g] & (moves > 0)
        np.add.at(after, (ro.g_school[g[sel]], ro.g_level[g[sel]]), -moves[sel])
        np.add.at(after, (j[sel], ro.g_level[g[sel]]), moves[sel])
        for lv in (0, 1):
            p = ro.demand.pupils[:, lv]
            m = county_mean(int(before[:, lv].sum()), int(p.sum()))
            for s in np.flatnonzero(p > 0):
                total += balance_value(int(p[s]), m, weight, int(after[s, lv]))
    return total


def rotation_status(strict: bool, t1: int, lb1: int, objective: int, bound: int) -> str:
    """optimal / feasible (elastic, or strict with every rule met), infeasible (strict, a
    shortfall is proven unavoidable) or unknown (strict, a shortfall remains unproven)."""
    if strict and t1 > 0:
        return "infeasible" if lb1 > 0 else "unknown"
    return "optimal" if t1 <= lb1 and objective <= bound else "feasible"
