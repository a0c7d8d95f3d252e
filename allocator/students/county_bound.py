"""A lower bound that sees whole classes and unsplittable units: the county's relaxed
model as one integer programme, bounded by SCIP's cutting planes within a time limit.

The relaxation (the rules the decomposition by school, `class_bound`, models too):

    min  sum_a cost[a] x[a] + sum_u out[u] w[u] + elastic slacks at the rule prices
    s.t. sum_{a of u} x[a] + w[u] >= 1                 every unit placed (binary x)
         per school where rooms could bind, per grade g: pupils_g <= cap_g classes_g + over_g,
         pupils_g <= (its most pupils) classes_g      (a grade with pupils needs a class),
         sum_g classes_g <= rooms + extra             (whole classes: integer)
         enrolment <= size cap + s, boarders <= beds + b   (strict: no slacks)

Why its optimum is at most every plan's objective, over every admissible arc: map a plan
to x = its candidate arcs, w[u] = 1 where it uses an arc left out, classes as the plan opens
them. `out[u]` is at most the cost of each of u's arcs left out (`class_bound.
multiplier_caps`), and a school's cost in the relaxation never rises when a unit's pupils
are taken away (more pupils never need fewer classes, rooms or beds), so the relaxation
pays no more than the plan. Segment links and contiguity are dropped. Arc costs carry
travel, stability, young pupils beyond the day radius and group intake; `invest.
rule_prices` prices the slacks (investment mode included). All costs are non-negative
integers, so an optimum has w and the slacks integral: its value is an integer and
SCIP's bound b proves ceil(b - tolerance).

Before the model is built, the arcs cheaper than their unit's value in the flow
relaxation are priced in (`class_bound.grow_arcs`); otherwise a unit's outside option would
undercut what the flow already proves. SCIP runs until the deadline (its primal heuristics
off in elastic mode: only the bound counts); the bound after its cutting-plane rounds is
reported. Measured (BENCHMARKS.md): most of the gain comes from the root cuts on the class
rows, about 0.3-1 % of the bound per round of 0.7 s under load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from ortools.linear_solver import pywraplp

from allocator.rules.classes import binding_room_groups

from .arcs import NO_ARC, Arcs, Units
from .class_bound import (
    GROW_ARCS,
    GROW_PER_UNIT,
    flow_multipliers,
    grow_arcs,
    integer_bound,
    multiplier_caps,
)
from .flow_bound import FlowRelaxation
from .instance import Instance
from .invest import rule_prices

MIN_SECONDS = 1.0  # less time left than this: no model is built
OVERRUN = 0.5  # seconds SCIP was measured to run past its limit (stopping, freeing)
# Only the bound counts: SCIP's primal heuristics are off except `trivial`, which finds
# the all-at-upper-bound point (feasible: cover rows are >= 1 and slacks bounded), so a
# bound is reported; measured on rural-county this moves the root LP from 5.7 s to 3.1 s.
QUIET_HEURISTICS = ("clique", "locks", "shiftandpropagate", "zeroobj", "feaspump", "rens",
                    "alns", "randrounding", "rounding", "shifting", "simplerounding",
                    "oneopt", "zirounding", "adaptivediving", "intshifting", "vbounds",
                    "completesol", "conflictdiving", "farkasdiving", "pscostdiving",
                    "distributiondiving", "fracdiving", "linesearchdiving", "guideddiving",
                    "veclendiving", "rins", "crossover", "dins", "mutation", "gins", "lpface",
                    "localbranching", "trustregion", "padm", "ofins", "dps", "indicator",
                    "subnlp", "mpec", "undercover", "nlpdiving", "multistart")
# Separators that cost more than they raised the bound at 2.5 and 4 CPU s on rural-county
# (165,658 -> 165,887 and 166,396 -> 167,251 with both off; gomory, clique off: lower).
QUIET_SEPARATORS = ("zerohalf", "aggregation")
SCIP_PARAMS = "\n".join([f"heuristics/{h}/freq = -1" for h in QUIET_HEURISTICS]
                        + [f"separating/{h}/freq = -1" for h in QUIET_SEPARATORS])


class SolveControl(Protocol):
    """Who may stop the solve from another thread (`bound_race.Interrupter`)."""

    def stopped(self) -> bool: ...

    def attach(self, solver: pywraplp.Solver) -> bool: ...


def _never() -> bool:
    return False


@dataclass
class CountyBound:
    """SCIP's proven bound (objective units, valid for the unpruned problem; None when
    it had no time or found no plan), whether it proved the relaxation optimal, and the
    stats the result reports."""

    bound: int | None
    optimal: bool = False
    stats: dict = field(default_factory=dict)


class _Model:
    """The relaxation being built: the solver, its objective terms and whether it is
    elastic (slacks priced) or strict (no slacks)."""

    def __init__(self, elastic: bool):
        self.s = pywraplp.Solver.CreateSolver("SCIP")
        self.inf = self.s.infinity()
        self.elastic = elastic
        self.obj = self.s.Objective()

    def row(self, terms: list, ub: float, price: int, most: float) -> None:
        """sum terms <= ub, with a slack of at most `most` at `price` when elastic."""
        r = self.s.Constraint(-self.inf, float(ub))
        for v, w in terms:
            r.SetCoefficient(v, float(w))
        if self.elastic:
            slack = self.s.NumVar(0.0, float(most), "")
            r.SetCoefficient(slack, -1.0)
            self.obj.SetCoefficient(slack, float(price))


def add_units(m: _Model, units: Units, arcs: Arcs, out: np.ndarray) -> list:
    """Binary x per arc and the cover row of every unit, with its outside option at
    `out[u]` (none where the unit has no admissible arc left out)."""
    x = [m.s.BoolVar("") for _ in range(len(arcs))]
    for v, c in zip(x, arcs.cost.tolist(), strict=True):
        m.obj.SetCoefficient(v, float(c))
    cover = [m.s.Constraint(1.0, m.inf) for _ in range(len(units))]
    for v, u in zip(x, arcs.unit.tolist(), strict=True):
        cover[u].SetCoefficient(v, 1.0)
    for u in np.flatnonzero(out < NO_ARC).tolist():
        w = m.s.NumVar(0.0, 1.0, "")
        cover[u].SetCoefficient(w, 1.0)
        m.obj.SetCoefficient(w, float(out[u]))
    return x


def add_school(m: _Model, inst: Instance, units: Units, arcs: Arcs, x: list, j: int,
               idx: np.ndarray, pen: dict[str, int]) -> None:
    """School j's rows over its arcs `idx`: whole classes where rooms could bind, the size
    cap and the beds, each only where the arcs could break it."""
    pu = units.pupils[arcs.unit[idx]]
    xs = [x[i] for i in idx.tolist()]
    max_p = pu.sum(axis=0)
    cap = inst.class_cap
    for _, grades, rooms, need in binding_room_groups(int(inst.rooms[j]), inst.rooms_level[j],
                                                   max_p, cap):
        classes = []
        for g in grades:
            c = m.s.IntVar(0.0, float(-(-int(max_p[g]) // int(cap[g]))), "")
            load = [(v, w) for v, w in zip(xs, pu[:, g].tolist(), strict=True) if w]
            m.row(load + [(c, -int(cap[g]))], 0, pen["class_size_cap"], max_p[g])
            one = m.s.Constraint(-m.inf, 0.0)  # a grade with pupils needs a class
            for v, w in load:
                one.SetCoefficient(v, float(w))
            one.SetCoefficient(c, -float(max_p[g]))
            classes.append((c, 1))
        m.row(classes, rooms, pen["classrooms"], need)
    tot = units.total[arcs.unit[idx]]
    if tot.sum() > inst.size_cap[j]:
        m.row(list(zip(xs, tot.tolist(), strict=True)), inst.size_cap[j],
              pen["school_size_cap"], tot.sum())
    bd = arcs.boarders[idx]
    if bd.sum() > inst.beds[j]:
        m.row([(v, w) for v, w in zip(xs, bd.tolist(), strict=True) if w], inst.beds[j],
              pen["boarding_beds"], bd.sum())


def build_county_model(inst: Instance, units: Units, arcs: Arcs, out: np.ndarray,
                       strict: bool, deadline: float = float("inf"),
                       stopped: Callable[[], bool] = _never) -> _Model | None:
    """The relaxation of the module docstring over `arcs` with outside options `out`;
    None when building it runs past `deadline` or `stopped()` turns true (both checked
    school by school)."""
    m = _Model(elastic=not strict)
    x = add_units(m, units, arcs, out)
    pen = rule_prices(inst)
    order = np.argsort(arcs.school, kind="stable")
    starts = np.searchsorted(arcs.school[order], np.arange(inst.n_schools + 1))
    for j in range(inst.n_schools):
        if time.perf_counter() > deadline or stopped():
            return None
        idx = order[starts[j]: starts[j + 1]]
        if len(idx):
            add_school(m, inst, units, arcs, x, j, idx, pen)
    m.obj.SetMinimization()
    return m


def prove_county_bound(inst: Instance, units: Units, arcs: Arcs, rel: FlowRelaxation, *,
                       strict: bool, deadline: float,
                       control: SolveControl | None = None) -> CountyBound:
    """SCIP's bound on the relaxation (module docstring) when it stops at `deadline`
    (perf_counter time; SCIP keeps its own time limit, so the call returns about then)
    or when `control` interrupts it (run in another thread: `bound_race`). Valid for
    every plan over every admissible arc; None when there was no time to build the
    model, it was stopped before SCIP started, or SCIP ended without a plan to bound
    against."""
    t0 = time.perf_counter()
    out = CountyBound(bound=None)
    if not rel.feasible or len(units) == 0 or deadline - t0 < MIN_SECONDS:
        return out
    per_unit = int(min(GROW_PER_UNIT, max(8, GROW_ARCS // max(len(units), 1))))
    arcs, _ = grow_arcs(inst, units, arcs, flow_multipliers(units, rel), per_unit)
    m = build_county_model(inst, units, arcs, multiplier_caps(inst, units, arcs), strict,
                           deadline - MIN_SECONDS,
                           _never if control is None else control.stopped)
    left = deadline - time.perf_counter() - OVERRUN
    if m is not None and left >= MIN_SECONDS / 2 and (control is None
                                                     or control.attach(m.s)):
        m.s.SetTimeLimit(int(left * 1000))
        if not strict:  # strict: the trivial point breaks hard rules; SCIP's defaults
            m.s.SetSolverSpecificParametersAsString(SCIP_PARAMS)
        status = m.s.Solve()
        if status in (m.s.OPTIMAL, m.s.FEASIBLE):
            out.bound = integer_bound(m.s.Objective().BestBound())
            out.optimal = status == m.s.OPTIMAL
    out.stats = {"class_bound_s": round(time.perf_counter() - t0, 3),
                 "class_bound_arcs": len(arcs)}
    return out
