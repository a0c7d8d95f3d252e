"""CP-SAT student model: one school per unit, whole classes per grade, rooms, size, beds.

One builder function per constraint family, each named by the rule it enforces. In elastic
mode every capacity rule gets a non-negative slack priced by the policy penalties; in strict
mode the rules are hard. Solver objects stay inside this module: `solve_students` returns
plain arrays.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from allocator.rules.classes import ClassPlan, binding_room_groups, plan_classes

from .arcs import Arcs, Units
from .contiguity import Clauses, add_closer_neighbour_rule
from .instance import Instance
from .invest import rule_prices
from .repair import Loads


@dataclass
class StudentSolve:
    status: str  # optimal | feasible | infeasible | unknown
    choice: np.ndarray | None  # chosen arc per unit
    objective: int | None
    cp_bound: int | None
    wall_s: float
    stats: dict = field(default_factory=dict)


@dataclass
class _Model:
    m: cp_model.CpModel
    x: list  # bool var per arc
    hint: dict  # var -> value
    penalty_terms: list  # (var, weight)


def _school_arcs(arcs: Arcs, n: int) -> list[np.ndarray]:
    order = np.argsort(arcs.school, kind="stable")
    starts = np.searchsorted(arcs.school[order], np.arange(n + 1))
    return [order[starts[j]: starts[j + 1]] for j in range(n)]


def add_one_school_per_unit(mm: _Model, units: Units, arcs: Arcs) -> None:
    """Rule one_school_per_level: each unit takes exactly one of its candidate arcs."""
    start = arcs.start(len(units))
    for u in range(len(units)):
        mm.m.add_exactly_one(mm.x[start[u]: start[u + 1]])


def add_segment_links(mm: _Model, inst: Instance, units: Units, arcs: Arcs) -> None:
    """Rule one_school_per_level: a lower segment at a school that also serves the next
    segment pulls that segment along (only the lower grades may split off)."""
    start = arcs.start(len(units))
    for lo, hi in units.links:
        hi_at = {int(arcs.school[b]): b for b in range(start[hi], start[hi + 1])}
        for a in range(start[lo], start[lo + 1]):
            j = int(arcs.school[a])
            if np.all(inst.serves[j, units.grades[hi]]):
                mm.m.add_implication(mm.x[a], mm.x[hi_at[j]])


def add_school_rules(mm: _Model, inst: Instance, units: Units, arcs: Arcs, j: int,
                     idx: np.ndarray, elastic: bool, pen: dict[str, int], hint_loads: Loads,
                     ) -> None:
    """Rules class_size_cap, classrooms, school_size_cap and boarding_beds at school j, over
    its candidate arcs `idx`, in that order; hints from the loads of the hint plan."""
    if len(idx) == 0:
        return
    pu = units.pupils[arcs.unit[idx]]  # (a, 9)
    hint_plan = plan_classes(hint_loads.P[j], inst.class_cap, int(inst.rooms[j]),
                             inst.rooms_level[j], pen["class_size_cap"], pen["classrooms"])
    xs = [mm.x[a] for a in idx]
    add_class_rules(mm, inst, j, xs, pu, elastic, pen, hint_plan)
    tot = units.total[arcs.unit[idx]]
    add_size_rule(mm, inst, j, xs, tot, elastic, pen, hint_loads)
    add_bed_rule(mm, inst, j, xs, arcs.boarders[idx], elastic, pen, hint_loads)


def add_class_rules(mm: _Model, inst: Instance, j: int, xs: list, pu: np.ndarray,
                    elastic: bool, pen: dict[str, int], hint_plan: ClassPlan) -> None:
    """Rules class_size_cap and classrooms at school j where rooms could bind: classes per
    grade hold the pupils of arcs `xs` (pupils `pu`, (a, 9)) at most the cap each, and a
    room group's classes fit its rooms; elastic, over-cap pupils and extra rooms are
    priced slacks."""
    m = mm.m
    max_p = pu.sum(axis=0)
    cap = inst.class_cap
    # classes per grade only where rooms could bind
    for sl, grades, rooms, need_max in binding_room_groups(int(inst.rooms[j]),
                                                           inst.rooms_level[j], max_p, cap):
        classes = []
        for g in grades:
            ub = -(-int(max_p[g]) // int(cap[g]))
            c = m.new_int_var(0, ub, f"classes_{j}_{g + 1}")
            mm.hint[c] = int(hint_plan.classes[g])
            col = pu[:, g]
            nz = np.flatnonzero(col)
            expr = cp_model.LinearExpr.weighted_sum([xs[i] for i in nz], col[nz].tolist())
            if elastic:
                over = m.new_int_var(0, int(max_p[g]), f"over_{j}_{g + 1}")
                mm.hint[over] = int(hint_plan.over[g])
                m.add(expr <= int(cap[g]) * c + over)
                m.add(expr <= int(max_p[g]) * c)  # pupils need at least one class
                mm.penalty_terms.append((over, pen["class_size_cap"]))
            else:
                m.add(expr <= int(cap[g]) * c)
            classes.append(c)
        if elastic:
            extra = m.new_int_var(0, need_max, f"extra_rooms_{j}")
            hint_extra = max(0, int(hint_plan.classes[sl].sum()) - rooms)
            mm.hint[extra] = hint_extra
            m.add(sum(classes) <= rooms + extra)
            mm.penalty_terms.append((extra, pen["classrooms"]))
        else:
            m.add(sum(classes) <= rooms)


def add_size_rule(mm: _Model, inst: Instance, j: int, xs: list, tot: np.ndarray,
                  elastic: bool, pen: dict[str, int], hint_loads: Loads) -> None:
    """Rule school_size_cap at school j, when its arcs `xs` (pupils `tot`) could exceed it;
    elastic, the pupils over the cap are a priced slack."""
    m = mm.m
    size_cap = int(inst.size_cap[j])
    if tot.sum() > size_cap:
        expr = cp_model.LinearExpr.weighted_sum(xs, tot.tolist())
        if elastic:
            z = m.new_int_var(0, int(tot.sum()), f"size_over_{j}")
            mm.hint[z] = max(0, int(hint_loads.P[j].sum()) - size_cap)
            m.add(expr <= size_cap + z)
            mm.penalty_terms.append((z, pen["school_size_cap"]))
        else:
            m.add(expr <= size_cap)


def add_bed_rule(mm: _Model, inst: Instance, j: int, xs: list, boarders: np.ndarray,
                 elastic: bool, pen: dict[str, int], hint_loads: Loads) -> None:
    """Rule boarding_beds at school j, when the boarders of its arcs (`boarders` over `xs`)
    could exceed its beds; elastic, the beds short are a priced slack."""
    m = mm.m
    if boarders.sum() > inst.beds[j]:
        bi = np.flatnonzero(boarders)
        expr = cp_model.LinearExpr.weighted_sum([xs[i] for i in bi], boarders[bi].tolist())
        beds = int(inst.beds[j])
        if elastic:
            d = m.new_int_var(0, int(boarders.sum()), f"beds_short_{j}")
            mm.hint[d] = max(0, int(hint_loads.Bd[j]) - beds)
            m.add(expr <= beds + d)
            mm.penalty_terms.append((d, pen["boarding_beds"]))
        else:
            m.add(expr <= beds)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_solution: Callable[[int, int], bool] | None):
        super().__init__()
        self.on_solution = on_solution
        self.count = 0

    def on_solution_callback(self) -> None:
        self.count += 1
        if self.on_solution is not None:
            stop = self.on_solution(int(round(self.objective_value)),
                                    int(round(self.best_objective_bound)))
            if stop:
                self.stop_search()


def build_student_model(
    inst: Instance, units: Units, arcs: Arcs, hint: np.ndarray, elastic: bool,
    pen: dict[str, int], clauses: Clauses | None,
    extend: Callable[[cp_model.CpModel, list], list[tuple]] | None,
) -> tuple[_Model, list[tuple]]:
    """The model of `solve_students`: arc variables, the rules in a fixed order (one school
    per unit, segment links, each school's capacity rules, contiguity, the extension), the
    objective and a complete hint from `hint`. Returns it and the extension's
    (variable, objective coefficient, hint) triples."""
    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x{a}") for a in range(len(arcs))]
    mm = _Model(m=m, x=x, hint={}, penalty_terms=[])
    hint_x = np.zeros(len(arcs), dtype=np.int64)
    hint_x[hint] = 1
    loads = Loads(inst, units, arcs, hint, pen)
    add_one_school_per_unit(mm, units, arcs)
    add_segment_links(mm, inst, units, arcs)
    for j, idx in enumerate(_school_arcs(arcs, inst.n_schools)):
        add_school_rules(mm, inst, units, arcs, j, idx, elastic, pen, loads)
    if clauses is not None:  # rule contiguity
        add_closer_neighbour_rule(m, x, clauses)
    extra = extend(m, x) if extend is not None else []  # choose: open[j], links
    obj_vars = x + [v for v, _ in mm.penalty_terms] + [v for v, _, _ in extra]
    obj_coef = arcs.cost.tolist() + [w for _, w in mm.penalty_terms] + [w for _, w, _ in extra]
    m.minimize(cp_model.LinearExpr.weighted_sum(obj_vars, obj_coef))
    for a in range(len(arcs)):
        m.add_hint(x[a], bool(hint_x[a]))
    for v, val in mm.hint.items():
        m.add_hint(v, val)
    for v, _, val in extra:  # choose
        m.add_hint(v, val)
    return mm, extra


def read_solution(solver: cp_model.CpSolver, status: int, units: Units, arcs: Arcs,
                  wall: float, stats: dict) -> StudentSolve:
    """The result of a finished solve: with a solution, the chosen arc per unit and the
    objective and bound (integer units); otherwise infeasible or unknown, with no plan."""
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        sol = np.array(solver.response_proto.solution, dtype=np.int64)[: len(arcs)]
        start = arcs.start(len(units))
        chosen = np.flatnonzero(sol)
        choice = np.empty(len(units), dtype=np.int64)
        choice[np.searchsorted(start, chosen, side="right") - 1] = chosen
        return StudentSolve(
            status="optimal" if status == cp_model.OPTIMAL else "feasible", choice=choice,
            objective=int(round(solver.objective_value)),
            cp_bound=int(round(solver.best_objective_bound)), wall_s=wall, stats=stats)
    name = "infeasible" if status == cp_model.INFEASIBLE else "unknown"
    return StudentSolve(status=name, choice=None, objective=None, cp_bound=None, wall_s=wall,
                        stats=stats)


def solve_students(
    inst: Instance, units: Units, arcs: Arcs, hint: np.ndarray, *, strict: bool,
    time_limit: float, workers: int, seed: int,
    on_solution: Callable[[int, int], bool] | None = None,
    penalties: dict[str, int] | None = None,
    clauses: Clauses | None = None,
    extend: Callable[[cp_model.CpModel, list], list[tuple]] | None = None,
) -> StudentSolve:
    """Solve the CP-SAT model from the complete `hint` (a candidate arc per unit).

    `on_solution(objective, cp_bound)` is called on every improving solution; returning
    True stops the search. Objective and bound are in integer objective units and hold for
    the candidate arcs. `penalties` replaces the policy's elastic penalty units; `clauses`
    adds the closer-neighbour rule (`contiguity`), in this model's arc numbering.
    `extend(model, x)` (layout `choose`) adds variables and constraints over the arc
    variables and returns (variable, objective coefficient, hint) for each new variable.
    """
    t0 = time.perf_counter()
    elastic = not strict
    pen = penalties or rule_prices(inst)
    mm, extra = build_student_model(inst, units, arcs, hint, elastic, pen, clauses, extend)
    build_s = time.perf_counter() - t0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit - build_s)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = False
    cb = _Progress(on_solution)
    status = solver.solve(mm.m, cb)
    wall = time.perf_counter() - t0
    stats = {"arcs": len(arcs), "units": len(units), "build_s": round(build_s, 3),
             "cp_status": solver.status_name(status), "solutions": cb.count,
             "penalty_vars": len(mm.penalty_terms)}
    return read_solution(solver, status, units, arcs, wall, stats)
