"""The LP relaxation of the rotation model, with pricing of the arcs left out.

Large counties have too many admissible (group, destination) arcs for CP-SAT, so the model
holds candidate arcs only. `relax` solves the LP relaxation over the candidates (HiGHS, via
scipy), prices every admissible arc left out with the LP duals, adds those with a negative
reduced cost and solves again, until none is left. The LP value is then a lower bound for the
*whole* problem (all admissible arcs), and the least reduced cost of an excluded arc is the
`margin` by which any integer rotation using one must exceed it. When the time runs out
first, the bound is the Lagrangian one (LP value plus every negative reduced cost times the
arc's capacity), still valid for the whole problem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from .base import BIG, EQ, LE
from .model import RotationModel, arc_entries, build_model
from .roster import Roster

FULL_ARCS = 40_000  # admissible arcs up to which every one is a candidate
PRICE_CHUNK = 200_000
ADD_PER_GROUP = 25


@dataclass
class RotationRelaxation:
    """An LP bound of one phase, the candidates it ended with and its LP solution."""

    bound: float  # valid for the whole problem
    value: float  # LP value over the candidates
    margin: float  # least reduced cost of an excluded arc (inf: none excluded)
    candidates: np.ndarray  # (groups, schools) bool, with the arcs pricing added
    rounds: int
    added: int
    solved: bool  # False when the LP could not be solved (bound 0)
    arc_values: np.ndarray | None = None  # LP values of the arcs np.nonzero(candidates)


def solve_lp(model: RotationModel, phase: int
             ) -> tuple[float, np.ndarray, np.ndarray] | None:
    """LP optimum of the model with the phase's objective, the row duals (the sensitivity
    of the optimum to each right-hand side) and the primal values, or None when HiGHS
    fails."""
    cost = (model.cost1 if phase == 1 else model.cost2).astype(float)
    a = model.matrix.astype(float)
    le, eq = model.sense == LE, model.sense == EQ
    ub = np.where(model.ub >= BIG, np.inf, model.ub.astype(float))
    res = linprog(cost, A_ub=a[le] if le.any() else None, b_ub=model.rhs[le] if le.any()
                  else None, A_eq=a[eq] if eq.any() else None,
                  b_eq=model.rhs[eq] if eq.any() else None,
                  bounds=np.column_stack([model.lb.astype(float), ub]), method="highs")
    if res.status != 0:
        return None
    y = np.zeros(len(model.rhs))
    if le.any():
        y[le] = res.ineqlin.marginals
    if eq.any():
        y[eq] = res.eqlin.marginals
    return float(res.fun), y, res.x


def reduced_costs(ro: Roster, model: RotationModel, y: np.ndarray, phase: int,
                  g: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Reduced cost of arcs (g[i] -> j[i]) under duals `y` (arcs need not be in the model)."""
    out = np.empty(len(g))
    for lo in range(0, len(g), PRICE_CHUNK):
        gg, jj = g[lo:lo + PRICE_CHUNK], j[lo:lo + PRICE_CHUNK]
        pos, r, v = arc_entries(ro, model.rows, gg, jj)
        dual = np.bincount(pos, weights=v * y[r], minlength=len(gg))
        cost = ro.cost[gg, jj] if phase == 2 else np.zeros(len(gg))
        out[lo:lo + PRICE_CHUNK] = cost - dual
    return out


def relax(ro: Roster, candidates: np.ndarray, windows: dict, phase: int,
          t1_cap: int | None, deadline: float, max_rounds: int = 12) -> RotationRelaxation:
    """LP bound of `phase` (1: tier 1; 2: tiers 2-3 with tier 1 at most `t1_cap`) valid for
    every admissible arc; see the module docstring."""
    cand = candidates.copy()
    added = 0
    for rounds in range(1, max_rounds + 1):
        model = build_model(ro, *np.nonzero(cand), windows, t1_cap)
        lp = solve_lp(model, phase)
        if lp is None:
            return RotationRelaxation(0.0, 0.0, 0.0, cand, rounds, added, False)
        value, y, x = lp
        arcs = x[:len(model.arc_g)]
        g, j = np.nonzero(ro.admissible & ~cand)
        if len(g) == 0:
            return RotationRelaxation(value, value, np.inf, cand, rounds, added, True, arcs)
        rc = reduced_costs(ro, model, y, phase, g, j)
        tol = 1e-7 * max(1.0, abs(value))
        neg = rc < -tol
        if not neg.any():
            return RotationRelaxation(value, value, float(rc.min()), cand, rounds, added, True,
                                      arcs)
        if time.perf_counter() > deadline or rounds == max_rounds:
            cap = np.minimum(ro.groups.size[g], ro.send_cap[ro.groups.school[g]])
            bound = value + float((np.minimum(rc, 0.0) * cap).sum())
            return RotationRelaxation(bound, value, 0.0, cand, rounds, added, True, arcs)
        # the most negative few per group join the candidates
        gi, ji, r = g[neg], j[neg], rc[neg]
        order = np.lexsort((r, gi))
        gi, ji = gi[order], ji[order]
        first = np.r_[0, np.flatnonzero(np.diff(gi)) + 1]
        rank = np.arange(len(gi)) - np.repeat(first, np.diff(np.r_[first, len(gi)]))
        keep = rank < ADD_PER_GROUP
        cand[gi[keep], ji[keep]] = True
        added += int(keep.sum())
    raise AssertionError("unreachable")


def initial_candidates(ro: Roster, k: int = 8) -> np.ndarray:
    """Every admissible arc when there are at most FULL_ARCS (or exchanges are on); else per
    group its k nearest admissible destinations, the k nearest short of teachers of its
    level (or table subject), and for backbone / senior groups the k schools with the fewest
    such teachers per 100 pupils."""
    adm = ro.admissible
    if adm.sum() <= FULL_ARCS or ro.policy.rotation.one_for_one:
        return adm.copy()
    cand = np.zeros_like(adm)
    km = np.where(adm, ro.km[ro.groups.school], np.inf)
    d = ro.demand
    short_level = (d.teachers > ro.n0).T[ro.groups.level]  # (g, n)
    short_subj = np.zeros_like(adm)
    has_key = ro.groups.key >= 0
    if has_key.any():
        short_subj[has_key] = (d.subjects > ro.ns0).T[ro.groups.key[has_key]]
    pupils = np.maximum(d.pupils, 1).T[ro.groups.level].astype(float)
    gr = ro.groups
    ratio = np.where(gr.backbone[:, None], ro.b0.T[gr.level], ro.s0.T[gr.level]) / pupils
    scores = [km, np.where(short_level | short_subj, km, np.inf)]
    top = ro.groups.backbone | ro.groups.senior
    scores.append(np.where(top[:, None] & adm, ratio, np.inf))
    kk = min(k, adm.shape[1])
    rows = np.arange(len(adm))[:, None]
    for score in scores:
        pick = np.argpartition(score, kk - 1, axis=1)[:, :kk]
        ok = np.isfinite(score[rows, pick])
        cand[np.broadcast_to(rows, pick.shape)[ok], pick[ok]] = True
    return cand & adm
