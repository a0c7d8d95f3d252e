"""The teacher rotation stage (交流轮岗): CP-SAT on the rotation model, lexicographically.

`solve_rotation(roster, ...)` returns a `RotationOutcome` (plain arrays and numbers; no
solver object leaves this module):

1. candidates and a greedy rotation (`rotation_greedy`);
2. phase 1, tier 1 (weighted shortfall on the elastic rules): unless the greedy value is 0,
   the LP bound with pricing, then until the bound proves the best value: the LP solution
   rounded and repaired, CP-SAT on the arcs the LP uses (a small model), CP-SAT on all
   candidates;
3. phase 2, balance + distance + involuntary moves with tier 1 held at its best value: LP
   bound with pricing, the rounded LP and the small CP-SAT model as above, then CP-SAT from
   the best rotation so far unless the bound already proves it within the relative gap;
   while a school's count lands outside its balance window, the window grows and CP-SAT
   runs again.

The lower bounds hold for every admissible arc, not only the candidates (`rotation_lp`).
Strict mode: a proven positive tier 1 means the rules cannot all hold (status infeasible);
an unproven one, status unknown; either way the best rotation found explains which rules
break where.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from allocator.model.budget import Budget
from allocator.rules.rotation_objective import UNITS, balance_value, county_mean

from .cpsat import complete_values, objective_of, solve_cp
from .greedy import greedy_rotation
from .lp import RotationRelaxation, initial_candidates, relax
from .model import build_model, outside_windows, satisfied
from .model import initial_windows as make_windows
from .roster import Roster


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


def tier1_of(ro: Roster, arc_g: np.ndarray, arc_j: np.ndarray, moves: np.ndarray,
             windows: dict) -> int:
    """Tier 1 (weighted rule shortfall) of moves on the arcs (arc_g, arc_j)."""
    model = build_model(ro, arc_g, arc_j, windows, with_balance=False)
    return objective_of(model, complete_values(model, moves), 1)


def combine_bound(rel: RotationRelaxation, cp_bound: int | None, all_arcs: bool) -> int:
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


@dataclass
class _Run:
    """What every step of one rotation solve shares: the budget, the progress report (step,
    message, objective, bound, gap in the step's units) and the statistics being filled."""

    budget: Budget
    stats: dict

    def say(self, step: str, message: str, obj, bound, gap) -> None:
        scale = 1 if step == "tier 1" else UNITS
        self.budget.say("rotation", f"{step}: {message}",
                        None if obj is None else obj / scale,
                        None if bound is None else bound / scale, gap)


def solve_support(ro: Roster, g: np.ndarray, j: np.ndarray, moves: np.ndarray,
                  lp: np.ndarray | None, windows: dict, phase: int, t1_cap: int | None,
                  seconds: float, run: _Run) -> tuple[np.ndarray, int] | None:
    """CP-SAT on the arcs the LP uses or the current rotation uses (a small model): its
    rotation over all arcs (g, j) and its objective, or None when it finds nothing."""
    keep = moves > 0
    if lp is not None and len(lp) == len(g):
        keep |= lp > 1e-6
    if not keep.any():
        return None
    model = build_model(ro, g[keep], j[keep], windows, t1_cap, with_balance=phase == 2)
    hint = complete_values(model, moves[keep])
    values, obj, _, _ = solve_cp(model, phase, hint, seconds, run.budget.workers,
                                 run.budget.seed, 0.0, run.say, "support")
    if values is None:
        return None
    out = np.zeros(len(g), dtype=np.int64)
    out[keep] = values[:int(keep.sum())]
    return out, int(obj)


def phase_one(ro: Roster, cand: np.ndarray, windows: dict, run: _Run
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Tier 1: (candidates, arcs g, j, moves, best tier 1, its bound for every arc)."""
    g, j = np.nonzero(cand)
    moves = greedy_rotation(ro, g, j)
    t1 = tier1_of(ro, g, j, moves, windows)
    stats = run.stats
    stats.update(greedy_moves=int(moves.sum()), greedy_tier1=t1)
    if t1 == 0:
        return cand, g, j, moves, 0, 0
    deadline = run.budget.deadline
    rel = relax(ro, cand, windows, 1, None, run.budget.at(0.3))
    cand, lb1 = rel.candidates, combine_bound(rel, None, False)
    g, j, moves = _extend(g, j, moves, cand)
    stats["phase1_lp"] = {"bound": rel.bound, "rounds": rel.rounds, "arcs_added": rel.added}
    for step in ("rounded", "support", "cp"):
        if t1 <= lb1 or time.perf_counter() > deadline - 1:
            break
        left = deadline - time.perf_counter()
        if step == "rounded":
            found = round_lp(ro, g, j, rel.arc_values, windows, 1, None)
        elif step == "support":
            found = solve_support(ro, g, j, moves, rel.arc_values, windows, 1, None,
                                  min(0.15 * left, 15.0), run)
        else:
            model = build_model(ro, g, j, windows, with_balance=False)
            run.say("tier 1", "minimising rule shortfalls", t1, lb1, None)
            values, obj, bound, name = solve_cp(
                model, 1, complete_values(model, moves), 0.35 * left, run.budget.workers,
                run.budget.seed, 0.0, run.say, "tier 1")
            if bound is not None:
                lb1 = max(lb1, combine_bound(rel, bound, bool(cand.sum() == ro.admissible.sum())))
            found = None if values is None else (values[:len(g)], obj)
        stats["phase1_" + step] = None if found is None else found[1]
        if found is not None and found[1] < t1:
            moves, t1 = found
    return cand, g, j, moves, t1, lb1


def phase_two_bound(ro: Roster, cand: np.ndarray, windows: dict, t1: int, arcs: tuple,
                    run: _Run) -> tuple:
    """Phase 2's LP bound with pricing, then the rounded LP and CP-SAT on its support:
    (LP relaxation, arcs g, j, moves, objective, bound, whether every arc is a candidate)."""
    g, j, moves = arcs
    budget, stats = run.budget, run.stats
    rel = relax(ro, cand, windows, 2, t1, budget.deadline - 0.6 * max(0.0, budget.remaining()))
    cand = rel.candidates
    g, j, moves = _extend(g, j, moves, cand)
    all_arcs = bool(cand.sum() == ro.admissible.sum())
    bound2 = combine_bound(rel, None, all_arcs)
    stats["phase2_lp"] = {"bound": rel.bound / UNITS, "rounds": rel.rounds,
                          "arcs_added": rel.added, "candidates": int(cand.sum())}
    model = build_model(ro, g, j, windows, t1)
    obj = objective_of(model, complete_values(model, moves), 2)
    for step in ("rounded", "support"):
        if obj - bound2 <= budget.target_gap * max(obj, 1):
            break
        left = budget.remaining()
        found = (round_lp(ro, g, j, rel.arc_values, windows, 2, t1) if step == "rounded" else
                 solve_support(ro, g, j, moves, rel.arc_values, windows, 2, t1,
                               min(0.25 * left, 20.0), run))
        stats["phase2_" + step] = None if found is None else found[1] / UNITS
        if found is not None and found[1] < obj:
            moves, obj = found
    return rel, g, j, moves, bound2, all_arcs


def phase_two_search(ro: Roster, windows: dict, t1: int, rel: RotationRelaxation, arcs: tuple,
                     bound2: int, all_arcs: bool, run: _Run) -> tuple[np.ndarray, int]:
    """CP-SAT on balance and distance from the best rotation so far, widening the balance
    windows a count lands outside of: (moves, bound)."""
    g, j, moves = arcs
    budget = run.budget
    for attempt in range(4):
        model = build_model(ro, g, j, windows, t1)
        hint = complete_values(model, moves)
        obj = objective_of(model, hint, 2)
        run.say("search", f"improving balance and distance (attempt {attempt + 1})", obj,
                bound2, None)
        left = budget.remaining()
        if obj - bound2 <= budget.target_gap * max(obj, 1):  # the LP bound proves it
            values, cp_bound, name = None, None, "skipped: within the gap"
        else:
            values, _, cp_bound, name = solve_cp(model, 2, hint, left, budget.workers,
                                                 budget.seed, budget.target_gap, run.say,
                                                 "search")
        run.stats["phase2_cp"] = {"status": name, "attempts": attempt + 1}
        x = values if values is not None else hint
        moves = x[:len(g)]
        wider = outside_windows(model, x)
        if cp_bound is not None:  # the windowed model is a relaxation: its bound holds
            bound2 = max(bound2, combine_bound(rel, cp_bound, all_arcs))
        if not wider or budget.remaining() < 0.5:
            break
        windows = {**windows, **wider}
    return moves, bound2


def solve_rotation(ro: Roster, *, strict: bool, budget: Budget) -> RotationOutcome:
    """Solve the rotation of `ro` within the budget (its clock must run); see the module.
    Progress goes to the budget as "rotation" events."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 3)
        return now

    stats: dict = {"groups": ro.n_groups, "admissible_arcs": int(ro.admissible.sum())}
    run = _Run(budget, stats)
    cand = initial_candidates(ro)
    windows = make_windows(ro)
    run.say("hint", f"{ro.n_groups} groups, {stats['admissible_arcs']} admissible arcs, "
            f"{int(cand.sum())} candidates: greedy rotation", None, None, None)
    cand, g, j, moves, t1, lb1 = phase_one(ro, cand, windows, run)
    t = lap("tier1", t0)
    run.say("bound", "LP bound of balance and distance", None, None, None)
    rel, g, j, moves, bound2, all_arcs = phase_two_bound(ro, cand, windows, t1, (g, j, moves),
                                                         run)
    t = lap("bound", t)
    moves, bound2 = phase_two_search(ro, windows, t1, rel, (g, j, moves), bound2, all_arcs,
                                     run)
    lap("search", t)
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
    for before, attr in ((ro.b0, ro.groups.backbone), (ro.s0, ro.groups.senior)):
        after = before.copy()
        sel = attr[g] & (moves > 0)
        np.add.at(after, (ro.groups.school[g[sel]], ro.groups.level[g[sel]]), -moves[sel])
        np.add.at(after, (j[sel], ro.groups.level[g[sel]]), moves[sel])
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
