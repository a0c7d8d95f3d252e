"""A lower bound for `choose` that sees whole classes: the decomposition by school of
`students.class_bound` with a per-candidate open/close choice (the Lagrangian of
capacitated facility location).

Relax "each unit takes exactly one arc" with a multiplier lam[u] per unit. What is left
splits by school; school j, if open, takes the set of its arcs that minimises

    v_j(lam) = min over sets S of arcs into j of sum_{a in S} (cost[a] - lam[unit a])
               + pen_j(pupils per grade, boarders of S)

with pen_j the school's penalty exactly as the plan pays it (whole classes per grade,
classrooms, size cap, beds; strict mode: hard limits), as `class_bound` builds it. A closed
candidate takes nothing (term 0), an open one pays its fixed cost f_j, non-candidates are
always open, so

    L(lam) = sum_u lam[u] + sum_{j not a candidate} v_j
             + min over open sets in the ranges of sum_{j candidate open} (f_j + v_j)

and the last term is exact (`bound.cheapest_open`: per operation the `lo` smallest terms,
then any further negative ones up to `hi`). L(lam) is a lower bound on every plan for every
lam: a plan puts each unit in one open school's set, so sum_u lam[u] cancels, each open
school's term is at least v_j and the plan's open set is one of those minimised over.
Township boarding requirements only remove open sets (dropped: still a bound).

Each v_j is replaced by a lower bound - its linear relaxation (GLOP), then, while time
lasts, SCIP's bound with whole classes and units; the minimum over open sets is monotone in
the terms, so L stays a lower bound. Only schools the minimising open set keeps are solved
exactly (a closed candidate's term does not count), re-choosing the set as terms rise.
Validity over every admissible arc, not only the candidate arcs, is `class_bound`'s
argument: before every step the arcs cheaper than their unit's multiplier are priced in and
the multipliers capped at the cost of the cheapest arc still left out
(`class_bound.grow_arcs`); pen_j never falls when pupils are
added, so an arc with a non-negative reduced cost never lowers v_j.

The multipliers start at the flow-based Lagrangian's best prices (`bound.lagrangian_bound`:
the same relaxation with fractional classes), where L is already at least that bound's
value up to the integer rounding of prices, and follow integer subgradient steps towards a
known plan's cost. The best L is returned with the school terms and the open set that
attain it: the worth of keeping each candidate, which guides the search.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from allocator.students.arcs import Arcs, Units
from allocator.students.class_bound import (
    GROW_ARCS,
    GROW_PER_UNIT,
    SUB_TIME,
    THETA,
    SchoolModels,
    exact_school,
    grow_arcs,
    linear_terms,
)
from allocator.students.instance import Instance

from .bound import cheapest_open
from .model import ChooseModel


@dataclass
class ChooseClassBound:
    """The best L found (objective units, valid for the unpruned problem; None when no
    evaluation finished in time), -(f_j + v_j) per school at its multipliers (the worth of
    keeping j open), the open set attaining it, and what the steps did."""

    bound: int | None
    value: np.ndarray
    open_mask: np.ndarray | None = None
    steps: int = 0
    models: int = 0
    inexact: int = 0
    seconds: float = 0.0
    arcs: int = 0
    stats: dict = field(default_factory=dict)


def school_terms(sch: SchoolModels, cm: ChooseModel, lam: np.ndarray, deadline: float,
                 hard_deadline: float) -> tuple[np.ndarray, np.ndarray, dict] | None:
    """A lower bound on v_j(lam) per school and the arcs each school takes: linear
    relaxations first, then SCIP with whole classes and units until `deadline` on the
    schools the minimising open set keeps (most negative first; the set is recomputed as
    terms rise, so a candidate that enters it is solved too). A closed candidate's term
    does not enter L, so its linear bound stays. Every returned term is a valid lower bound
    on v_j whenever the clock stops it; None when the linear relaxations alone run past
    `hard_deadline`."""
    rc = sch.arcs.cost - lam[sch.arcs.unit]
    lin = linear_terms(sch, rc, hard_deadline)
    if lin is None:
        return None
    value, hard = lin
    taken = rc < 0
    todo = set(hard)
    info = {"models": 0, "inexact": 0}
    while todo and deadline - time.perf_counter() > 0.01:
        kept = cheapest_open(cm, cm.fc + value)
        now = sorted((j for j in todo if kept[j]), key=lambda k: value[k])
        if not now:
            break
        j = now[0]
        todo.discard(j)
        sel = sch.idx[j][rc[sch.idx[j]] < 0]
        low, chosen, proved = exact_school(sch, j, sel, rc[sel],
                                           min(SUB_TIME, deadline - time.perf_counter()))
        info["models"] += 1
        info["inexact"] += 0 if proved else 1
        if low is not None:  # SCIP's set replaces "every arc with a negative rc"
            taken[sel] = False
            taken[chosen] = True
            value[j] = max(value[j], low)
    return value, taken, info


def choose_class_bound(inst: Instance, units: Units, arcs: Arcs, cm: ChooseModel,
                       lam0: np.ndarray, *, strict: bool, upper: int, deadline: float,
                       hard_deadline: float, max_steps: int = 200) -> ChooseClassBound:
    """The best L(lam) (module docstring) found from multipliers `lam0` (objective units
    per unit) by subgradient steps before `deadline` (perf_counter time): a lower bound on
    every plan of the `choose` layout over every admissible arc. An evaluation whose linear
    relaxations run past `hard_deadline` is dropped (bound None when it is the first).
    `upper` (a known plan's cost) sets the step lengths only."""
    t0 = time.perf_counter()
    out = ChooseClassBound(bound=None, value=-cm.fc.copy())
    if len(units) == 0:
        return out
    lam = np.asarray(lam0, dtype=np.int64).copy()
    per_unit = int(min(GROW_PER_UNIT, max(8, GROW_ARCS // max(len(units), 1))))
    theta, idle = THETA, 0
    while out.steps < max_steps and time.perf_counter() < deadline:
        before = len(arcs)
        arcs, lam = grow_arcs(inst, units, arcs, lam, per_unit)
        if out.steps == 0 or len(arcs) != before:
            sch = SchoolModels(inst, units, arcs, strict)
        res = school_terms(sch, cm, lam, deadline, hard_deadline)
        if res is None:
            break
        v, taken, info = res
        terms = cm.fc + v
        keep = cheapest_open(cm, terms)
        value = int(lam.sum()) + int(terms[keep].sum())
        out.steps += 1
        out.models += info["models"]
        out.inexact += info["inexact"]
        if out.bound is None or value > out.bound:
            out.bound, out.value, out.open_mask, idle = value, -terms, keep, 0
        else:
            idle += 1
            if idle >= 3:
                theta, idle = theta / 2, 0
        g = 1 - np.bincount(arcs.unit[taken & keep[arcs.school]], minlength=len(units))
        norm = int((g * g).sum())
        if norm == 0 or out.bound >= upper or theta < 1e-3:
            break
        step = theta * max(upper - value, 1) / norm
        move = np.maximum(1, np.floor(step * np.abs(g))).astype(np.int64)
        nxt = lam + np.sign(g) * move  # integer multipliers, each moved at least 1
        if np.array_equal(nxt, lam):
            break
        lam = nxt
    out.arcs = len(arcs)
    out.seconds = round(time.perf_counter() - t0, 3)
    out.stats = {"class_bound_steps": out.steps, "class_bound_models": out.models,
                 "class_bound_inexact": out.inexact, "class_bound_s": out.seconds,
                 "class_bound_arcs": out.arcs}
    return out
