"""Turn a chosen arc per unit into result rows: assignments, schools, violations, objective.

Classes per grade are the penalty-minimising class counts for the plan's pupils
(`classes.plan_classes`), so the reported objective is a function of the assignment alone
and the verifier can recompute it.
"""

from __future__ import annotations

import numpy as np

from allocator.model.grades import format_grades
from allocator.model.result import Assignment, Objective, SchoolResult, Violation
from allocator.rules.classes import ClassPlan, plan_classes, school_penalty
from allocator.rules.objective import SCALE, round_km

from .arcs import Arcs, Units
from .instance import Instance
from .invest import rule_prices

LEVEL_NAMES = ("primary", "junior")


def grade_texts(units: Units) -> list[str]:
    """The `grades` text of every unit (its nominal grades), formatted once per grade set."""
    keys = np.packbits(units.grades, axis=1)
    found: dict[bytes, str] = {}
    out = []
    for u, key in enumerate(keys):
        k = key.tobytes()
        if k not in found:
            found[k] = format_grades([g + 1 for g in np.flatnonzero(units.grades[u])])
        out.append(found[k])
    return out


def build_assignments(inst: Instance, units: Units, arcs: Arcs,
                      choice: np.ndarray) -> list[Assignment]:
    """One row per unit, in unit order (blocks in scenario order, primary before junior)."""
    km = round_km(arcs.km[choice]).tolist()
    grades = grade_texts(units)
    block, level = units.block.tolist(), units.level.tolist()
    total = units.total.tolist()
    school = arcs.school[choice].tolist()
    boarders, moved = arcs.boarders[choice].tolist(), arcs.moved[choice].tolist()
    rows = [Assignment(
        block=inst.block_ids[block[u]], level=LEVEL_NAMES[level[u]], grades=grades[u],
        school=inst.school_ids[school[u]], pupils=int(total[u]), boarders=int(boarders[u]),
        distance_km=float(km[u]), moved=int(moved[u]),
    ) for u in range(len(choice))]
    order = sorted(range(len(rows)), key=lambda i: (block[i], level[i], grades[i]))
    return [rows[i] for i in order]


def school_loads(inst: Instance, units: Units, arcs: Arcs,
                 choice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pupils per school and grade (n, 9) and boarders per school (n,)."""
    s = arcs.school[choice]
    P = np.zeros((inst.n_schools, 9), dtype=np.int64)
    np.add.at(P, s, units.pupils)
    B = np.bincount(s, weights=arcs.boarders[choice],
                    minlength=inst.n_schools).astype(np.int64)
    return P, B


def _violations(inst: Instance, j: int, plan: ClassPlan, P: np.ndarray, boarders: int,
                pen: dict[str, int]) -> list[Violation]:
    sid = inst.school_ids[j]
    out = []
    cap = inst.class_cap
    for g in np.flatnonzero(plan.over):
        c = int(plan.classes[g])
        largest = -(-int(P[g]) // c)
        out.append(Violation(
            rule="class_size_cap", subject=sid, grade=int(g + 1), amount=int(plan.over[g]),
            unit="pupils", cost=pen["class_size_cap"] * int(plan.over[g]) / SCALE,
            message=f"school {sid} grade {g + 1}: {int(P[g])} pupils in {c} classes "
                    f"(largest {largest}) exceed the cap of {int(cap[g])} by "
                    f"{int(plan.over[g])} pupils"))
    if plan.extra_rooms:
        out.append(Violation(
            rule="classrooms", subject=sid, amount=plan.extra_rooms, unit="classes",
            cost=pen["classrooms"] * plan.extra_rooms / SCALE,
            message=f"school {sid}: {int(plan.classes.sum())} classes need "
                    f"{plan.extra_rooms} classrooms more than its {int(inst.rooms[j])}"))
    over = int(P.sum()) - int(inst.size_cap[j])
    if over > 0:
        out.append(Violation(
            rule="school_size_cap", subject=sid, amount=over, unit="pupils",
            cost=pen["school_size_cap"] * over / SCALE,
            message=f"school {sid}: {int(P.sum())} pupils exceed the size cap of "
                    f"{int(inst.size_cap[j])} by {over}"))
    short = boarders - int(inst.beds[j])
    if short > 0:
        out.append(Violation(
            rule="boarding_beds", subject=sid, amount=short, unit="boarders",
            cost=pen["boarding_beds"] * short / SCALE,
            message=f"school {sid}: {boarders} boarders for {int(inst.beds[j])} beds "
                    f"({short} without a bed)"))
    return out


def build_schools(inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                  ) -> tuple[list[SchoolResult], list[Violation], int]:
    """School rows, the violations of the plan and the penalty total (objective units), the
    capacity slacks priced by `invest.rule_prices` (with `options.invest`, the classrooms and
    beds built are still listed as violations here: `invest.settle_capacity` turns them
    into investments)."""
    pen = rule_prices(inst)
    P, B = school_loads(inst, units, arcs, choice)
    rows, viol, total = [], [], 0
    for j, sid in enumerate(inst.school_ids):
        plan = plan_classes(P[j], inst.class_cap, int(inst.rooms[j]), inst.rooms_level[j],
                            pen["class_size_cap"], pen["classrooms"])
        total += school_penalty(plan, int(P[j].sum()), int(inst.size_cap[j]), int(B[j]),
                                int(inst.beds[j]), pen)
        viol += _violations(inst, j, plan, P[j], int(B[j]), pen)
        sizes = [-(-int(P[j, g]) // int(plan.classes[g])) for g in range(9) if plan.classes[g]]
        s = inst.schools[j]
        rooms = int(inst.rooms[j])
        rows.append(SchoolResult(
            id=sid, name=s.name, kind=s.kind, township=s.township, urban=s.urban,
            enrolment=int(P[j].sum()), enrolment_by_grade=[int(v) for v in P[j]],
            classes_by_grade=[int(v) for v in plan.classes], classes=int(plan.classes.sum()),
            classrooms=rooms, max_class_size=max(sizes, default=0),
            size_cap=int(inst.size_cap[j]), boarders=int(B[j]), beds=int(inst.beds[j]),
            utilisation=round(float(plan.classes.sum()) / rooms, 4) if rooms else 0.0,
        ))
    return rows, viol, total


def build_objective(inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                    violations: list[Violation], penalty_total: int) -> Objective:
    """Objective terms in pupil-km equivalents; `total` is exact in integer units."""
    w = inst.scenario.options.weights
    travel = float(w.travel * (units.total * round_km(arcs.km[choice])).sum())
    stability = float(w.stability * arcs.moved[choice].sum())
    pens: dict[str, float] = {}
    for v in violations:
        pens[v.rule] = round(pens.get(v.rule, 0.0) + v.cost, 2)
    total = (int(arcs.cost[choice].sum()) + penalty_total) / SCALE
    return Objective(travel=round(travel, 2), stability=round(stability, 2), penalties=pens,
                     total=total)
