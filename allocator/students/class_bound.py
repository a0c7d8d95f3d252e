"""A lower bound that sees whole classes, rooms, beds and unsplittable units: a Lagrangian
decomposition by school.

Relax "each unit takes exactly one arc" (rule one_school_per_level) with a multiplier
lam[u] per unit. What is left splits by school:

    L(lam) = sum_u lam[u] + sum_j v_j(lam)
    v_j(lam) = min over sets S of arcs into school j of
               sum_{a in S} (cost[a] - lam[unit a]) + pen_j(pupils per grade, boarders of S)

pen_j is the school's elastic penalty exactly as the plan pays it (`classes.load_penalty`:
whole classes per grade within the class cap, classrooms, size cap, beds, all at
`invest.rule_prices`, so the investment mode is included); in strict mode the same rules
are hard limits. The arc cost already carries travel, stability, young pupils beyond the
day radius (`young_beyond_day_radius`) and pupils outside their school group
(`group_intake`), and an arc's boarders are the pupils of the boarding grades only.

Why L(lam) is a lower bound on every plan, for every lam: a plan puts each unit in exactly
one school's set, so sum_u lam[u] cancels and each school's term is at least v_j. Segment
links and contiguity are dropped (a relaxation).

Why the candidate arcs suffice (the bound holds for the unpruned problem): pen_j never
falls when pupils are added (more pupils never need fewer classes, rooms or beds), so an
arc with a non-negative reduced cost never lowers v_j. Before every step the arcs cheaper
than their unit's multiplier are priced in over every school (`arcs.improving_arcs`, up to
`GROW_PER_UNIT` per unit), and each multiplier is then capped at the least cost of the
unit's arcs still left out (`arcs.price_units`), so those have non-negative reduced costs.

Each v_j is first bounded by the linear relaxation of its model (GLOP; exact when every arc
with a negative reduced cost fits without penalty); then, most negative first and until
the deadline, SCIP solves it with whole classes and units (its best bound counts when its
time runs out). Costs are integers, so v_j >= ceil(bound - tolerance). lam starts at the
flow relaxation's duals (L then starts at about the flow bound) and follows subgradient
steps towards an upper bound (the warm start's cost); the best L of all steps is returned.
The clock is checked before every school; an evaluation whose linear relaxations cannot
finish in time is dropped, and with none finished the caller keeps the flow bound.

Measured (BENCHMARKS.md, reference suite): it closes 10-16% of the distance from the flow
bound to HiGHS's 600 s bound on the reference counties within a quarter of the time limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp

from allocator.rules.classes import binding_room_groups, load_penalty

from .arcs import NO_ARC, Arcs, Units, add_arcs, improving_arcs, price_units
from .flow_bound import FlowRelaxation
from .instance import Instance
from .invest import rule_prices

SUB_TIME = 0.5  # seconds at most per school model and step
THETA = 0.2  # first subgradient step: this share of the Polyak step
GROW_PER_UNIT = 64  # arcs added per unit and step where the multiplier asks for them,
GROW_ARCS = 200_000  # fewer on large counties: about this many per step in all


@dataclass
class ClassBound:
    """The decomposition's best value (objective units, valid for the unpruned problem)
    and what it did; `bound` is None when it never finished one evaluation in time."""

    bound: int | None
    steps: int = 0
    models: int = 0
    inexact: int = 0
    seconds: float = 0.0
    arcs: int = 0
    stats: dict = field(default_factory=dict)


def multiplier_caps(inst: Instance, units: Units, arcs: Arcs) -> np.ndarray:
    """Per unit, a lower bound on the cost of every admissible arc that is not a candidate
    (NO_ARC where there is none): multipliers at or below it keep those arcs out."""
    z = np.zeros((inst.n_schools, 2), dtype=np.int64)
    _, per = price_units(inst, units, z, z, exclude=arcs)
    return np.where(per < NO_ARC, per * np.maximum(units.total, 1), NO_ARC)


def grow_arcs(inst: Instance, units: Units, arcs: Arcs, lam: np.ndarray,
              per_unit: int) -> tuple[Arcs, np.ndarray]:
    """Arcs cheaper than their unit's multiplier added (up to `per_unit` per unit and
    round), and the multipliers capped so that every arc still left out has a
    non-negative reduced cost. Returns the grown arcs and the capped multipliers."""
    z = np.zeros((inst.n_schools, 2), dtype=np.int64)
    t = np.maximum(units.total, 1)
    threshold = -(-lam // t)  # an arc priced (per pupil, rounded down) at or above it costs >= lam
    u, s = improving_arcs(inst, units, z, z, threshold, per_unit, exclude=arcs)
    if len(u):
        arcs = add_arcs(inst, units, arcs, u, s)
    return arcs, np.minimum(lam, multiplier_caps(inst, units, arcs))


def flow_multipliers(units: Units, rel: FlowRelaxation) -> np.ndarray:
    """Start values: each unit's priced value under the flow's duals, taken relative to the
    sink's potential (a unit at an uncongested school is worth its arc's cost)."""
    return units.total * (rel.unit_best - rel.sink_value)


class SchoolModels:
    """Per school the candidate arcs, their pupils per grade, boarders, and the penalty."""

    def __init__(self, inst: Instance, units: Units, arcs: Arcs, strict: bool):
        self.inst, self.units, self.arcs, self.strict = inst, units, arcs, strict
        order = np.argsort(arcs.school, kind="stable")
        starts = np.searchsorted(arcs.school[order], np.arange(inst.n_schools + 1))
        self.idx = [order[starts[j]: starts[j + 1]] for j in range(inst.n_schools)]
        self.pupils = units.pupils[arcs.unit]
        self.pen = rule_prices(inst)
        self.check = {k: 1 for k in self.pen} if strict else self.pen
        self.cap = [int(v) for v in inst.class_cap]

    def penalty(self, j: int, P: np.ndarray, boarders: int) -> int:
        """The school's elastic penalty for the load (strict: > 0 iff a rule breaks)."""
        inst = self.inst
        return load_penalty(P.tolist(), int(boarders), self.cap, int(inst.rooms[j]),
                            int(inst.rooms_level[j, 0]), int(inst.rooms_level[j, 1]),
                            int(inst.size_cap[j]), int(inst.beds[j]), self.check)


def build_school_model(sch: SchoolModels, j: int, sel: np.ndarray, rc: np.ndarray,
                       backend: str) -> tuple[pywraplp.Solver, list]:
    """v_j over arcs `sel` as a model of `backend` (SCIP: whole classes and units; GLOP:
    its linear relaxation): rules class_size_cap and classrooms where rooms could bind,
    school_size_cap and boarding_beds, elastic slacks at the rule prices (strict: hard)."""
    inst, pen, elastic = sch.inst, sch.pen, not sch.strict
    integer = backend == "SCIP"
    s = pywraplp.Solver.CreateSolver(backend)
    inf = s.infinity()
    x = [s.Var(0, 1, integer, f"x{i}") for i in range(len(sel))]
    obj = [(v, float(c)) for v, c in zip(x, rc.tolist(), strict=True)]
    pu = sch.pupils[sel]
    cap = inst.class_cap

    def limit(weights: np.ndarray, ub: float, terms: list, price: int, most: float) -> None:
        """sum weights x + terms <= ub, elastic with a priced slack."""
        row = s.Constraint(-inf, ub)
        for v, w in zip(x, weights.tolist(), strict=True):
            if w:
                row.SetCoefficient(v, w)
        for v, w in terms:
            row.SetCoefficient(v, w)
        if elastic:
            slack = s.Var(0, most, integer, "")
            row.SetCoefficient(slack, -1.0)
            obj.append((slack, float(price)))

    max_p = pu.sum(axis=0)
    for _, grades, rooms, need in binding_room_groups(int(inst.rooms[j]), inst.rooms_level[j],
                                                      max_p, cap):
        classes = []
        for g in grades:
            c = s.Var(0, float(-(-int(max_p[g]) // int(cap[g]))), integer, "")
            limit(pu[:, g], 0.0, [(c, -float(cap[g]))], pen["class_size_cap"], float(max_p[g]))
            if elastic:  # pupils need at least one class
                row = s.Constraint(-inf, 0.0)
                for v, w in zip(x, pu[:, g].tolist(), strict=True):
                    if w:
                        row.SetCoefficient(v, w)
                row.SetCoefficient(c, -float(max_p[g]))
            classes.append(c)
        limit(np.zeros(len(x)), float(rooms), [(c, 1.0) for c in classes],
              pen["classrooms"], float(need))
    tot = sch.units.total[sch.arcs.unit[sel]]
    if tot.sum() > inst.size_cap[j]:
        limit(tot, float(inst.size_cap[j]), [], pen["school_size_cap"], float(tot.sum()))
    bd = sch.arcs.boarders[sel]
    if bd.sum() > inst.beds[j]:
        limit(bd, float(inst.beds[j]), [], pen["boarding_beds"], float(bd.sum()))
    objective = s.Objective()
    for v, c in obj:
        objective.SetCoefficient(v, c)
    objective.SetMinimization()
    return s, x


def integer_bound(value: float) -> int:
    """The least integer a solver's bound `value` on v_j allows, with room for its
    floating-point tolerance: v_j is an integer (integer costs, whole units and slacks),
    so v_j >= value implies v_j >= ceil(value)."""
    return int(math.ceil(value - 1e-6 * max(1.0, abs(value))))


def linear_school(sch: SchoolModels, j: int, sel: np.ndarray, rc: np.ndarray
                  ) -> tuple[int, bool]:
    """A lower bound on v_j over arcs `sel` (reduced costs `rc`, all negative) from the
    linear relaxation, and whether it is exact (every arc fits without penalty)."""
    P = sch.pupils[sel].sum(axis=0)
    bd = int(sch.arcs.boarders[sel].sum())
    if sch.penalty(j, P, bd) == 0:
        return int(rc.sum()), True
    lp, _ = build_school_model(sch, j, sel, rc, "GLOP")
    if lp.Solve() == lp.OPTIMAL:
        return max(int(rc.sum()), integer_bound(lp.Objective().Value())), False
    return int(rc.sum()), False


def exact_school(sch: SchoolModels, j: int, sel: np.ndarray, rc: np.ndarray,
                 time_limit: float) -> tuple[int | None, np.ndarray, bool]:
    """SCIP's bound on v_j over arcs `sel` within `time_limit` (None if it found none),
    the arcs of the best set it found and whether it proved that set optimal."""
    s, x = build_school_model(sch, j, sel, rc, "SCIP")
    s.SetTimeLimit(max(10, int(time_limit * 1000)))
    status = s.Solve()
    if status not in (s.OPTIMAL, s.FEASIBLE):
        return None, sel[:0], False
    return (max(integer_bound(s.Objective().BestBound()), int(rc.sum())),
            sel[[v.solution_value() > 0.5 for v in x]], status == s.OPTIMAL)


def linear_terms(sch: SchoolModels, rc: np.ndarray, hard_deadline: float
                 ) -> tuple[np.ndarray, list[int]] | None:
    """Per school a lower bound on v_j from its linear relaxation (exact where every arc
    with a negative reduced cost fits without penalty), and the schools where it is not
    exact. None when the clock passes `hard_deadline` before every school is done."""
    value = np.zeros(len(sch.idx), dtype=np.int64)
    hard = []
    for j, idx in enumerate(sch.idx):
        if time.perf_counter() > hard_deadline:
            return None
        sel = idx[rc[idx] < 0]
        if len(sel):
            value[j], exact = linear_school(sch, j, sel, rc[sel])
            if not exact:
                hard.append(j)
    return value, hard


def evaluate(sch: SchoolModels, lam: np.ndarray, deadline: float, hard_deadline: float
             ) -> tuple[int, np.ndarray, dict] | None:
    """L(lam) (see the module docstring) and the arcs each school takes. Every school's
    term is first its linear relaxation (or exact when everything fits); then, most
    negative first and until `deadline`, SCIP replaces it by the integer value (or a
    better bound). Valid whenever it stops; None when the linear relaxations alone run
    past `hard_deadline`."""
    arcs = sch.arcs
    rc = arcs.cost - lam[arcs.unit]
    taken = rc < 0
    linear = linear_terms(sch, rc, hard_deadline)
    if linear is None:
        return None
    value, hard = linear
    info = {"models": len(hard), "inexact": 0}
    for j in sorted(hard, key=lambda k: value[k]):
        left = deadline - time.perf_counter()
        idx = sch.idx[j]
        sel = idx[rc[idx] < 0]
        low, chosen, proved = (None, sel[:0], False) if left <= 0.01 else exact_school(
            sch, j, sel, rc[sel], min(SUB_TIME, left))
        if low is not None:  # SCIP's set replaces "every arc with a negative rc"
            taken[sel] = False
            taken[chosen] = True
        info["inexact"] += 0 if proved else 1
        if low is not None:
            value[j] = max(value[j], low)
    return int(lam.sum()) + int(value.sum()), taken, info


def class_bound(inst: Instance, units: Units, arcs: Arcs, rel: FlowRelaxation, *,
                strict: bool, upper: int, deadline: float, hard_deadline: float,
                max_steps: int = 200) -> ClassBound:
    """The best Lagrangian value found before `deadline` (perf_counter time); see the module
    docstring for why it is a lower bound on every plan over every admissible arc. An
    evaluation whose linear relaxations alone run past `hard_deadline` is dropped (bound
    None when that is the first).

    `upper` (the objective of a known plan) sets the subgradient step lengths only.
    """
    t0 = time.perf_counter()
    out = ClassBound(bound=None)
    if not rel.feasible or len(units) == 0:
        return out
    lam = flow_multipliers(units, rel)
    per_unit = int(min(GROW_PER_UNIT, max(8, GROW_ARCS // max(len(units), 1))))
    theta, idle, best = THETA, 0, None
    while out.steps < max_steps and time.perf_counter() < deadline:
        before = len(arcs)
        arcs, lam = grow_arcs(inst, units, arcs, lam, per_unit)
        if out.steps == 0 or len(arcs) != before:
            sch = SchoolModels(inst, units, arcs, strict)
        res = evaluate(sch, lam, deadline, hard_deadline)
        if res is None:
            break
        value, taken, info = res
        out.steps += 1
        out.models += info["models"]
        out.inexact += info["inexact"]
        if best is None or value > best:
            best, idle = value, 0
        else:
            idle += 1
            if idle >= 3:
                theta, idle = theta / 2, 0
        g = 1 - np.bincount(arcs.unit[taken], minlength=len(units))
        norm = int((g * g).sum())
        if norm == 0 or best >= upper or theta < 1e-3:
            break
        step = theta * max(upper - value, 1) / norm
        move = np.maximum(1, np.floor(step * np.abs(g))).astype(np.int64)
        nxt = lam + np.sign(g) * move  # integer multipliers, each moved at least 1
        if np.array_equal(nxt, lam):
            break
        lam = nxt
    out.arcs = len(arcs)
    out.bound = best
    out.seconds = round(time.perf_counter() - t0, 3)
    out.stats = {"class_bound_steps": out.steps, "class_bound_models": out.models,
                 "class_bound_inexact": out.inexact, "class_bound_s": out.seconds,
                 "class_bound_arcs": out.arcs}
    return out
