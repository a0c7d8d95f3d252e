"""Investment mode in the student stage: the prices of the capacity slacks, and the plan's
capacity shortfalls turned into `investments[]` (with `options.invest`) or into each
violation's `relief`.

Under `invest` the CP-SAT model, the flow bound, the repair heuristics and the result rows
all price a classroom or bed beyond a school's stock at `rules.investment.capacity_prices`
(the cheaper of building and the penalty): the classroom and bed slack variables of the
model are the investment decisions. `settle_capacity` then reads, from the plan's classes
and boarders, what is built where.
"""

from __future__ import annotations

import numpy as np

from allocator.model.investment import Investment, InvestmentTotal
from allocator.model.result import SchoolResult, Violation
from allocator.rules.classes import LEVEL_SLICES
from allocator.rules.investment import (
    builds,
    capacity_prices,
    class_cap_relief_rooms,
    cost_yuan,
    investment_units,
    make_relief,
)
from allocator.rules.objective import SCALE

from .instance import Instance

LEVELS = ("primary", "junior")


def rule_prices(inst: Instance) -> dict[str, int]:
    """Integer price of one unit of each capacity slack for this instance's scenario
    (`options.invest` decides whether classrooms and beds can be built)."""
    return capacity_prices(inst.policy, inst.scenario.options.invest)


def room_groups(inst: Instance, j: int) -> list[tuple[str | None, slice, int]]:
    """The classroom groups of school j: (level or None, grade slice, rooms)."""
    if inst.rooms_level[j, 0] >= 0:
        return [(LEVELS[lv], sl, int(inst.rooms_level[j, lv]))
                for lv, sl in enumerate(LEVEL_SLICES)]
    return [(None, slice(0, 9), int(inst.rooms[j]))]


def school_investments(inst: Instance, j: int, row: SchoolResult) -> list[Investment]:
    """What the plan builds at school j: classrooms for the classes beyond each group's
    rooms and beds for the boarders beyond its beds, where `invest` builds (see
    `rules.investment.builds`)."""
    policy, out = inst.policy, []
    sid = inst.school_ids[j]
    if builds(policy, True, "classrooms"):
        classes = np.asarray(row.classes_by_grade, dtype=np.int64)
        for level, sl, rooms in room_groups(inst, j):
            extra = int(classes[sl].sum()) - rooms
            if extra > 0:
                once, year = cost_yuan(policy, "classrooms", extra)
                out.append(Investment(school=sid, what="classrooms", level=level, count=extra,
                                      cost_yuan=once, annual_cost_yuan=year))
    short = row.boarders - row.beds
    if short > 0 and builds(policy, True, "boarding_beds"):
        once, year = cost_yuan(policy, "beds", short)
        out.append(Investment(school=sid, what="beds", count=short, cost_yuan=once,
                              annual_cost_yuan=year))
    return out


def relieve(inst: Instance, j: int, row: SchoolResult, v: Violation,
            built: list[Investment]) -> Violation:
    """`v` with its relief: the classrooms or beds at its school that remove it, with their
    cost, counting the classrooms the plan `built` there; None for a rule no capacity change
    removes (the size cap, any other rule)."""
    if v.rule == "classrooms":
        return v.model_copy(update={"relief": make_relief(inst.policy, int(v.amount), 0)})
    if v.rule == "boarding_beds":
        return v.model_copy(update={"relief": make_relief(inst.policy, 0, int(v.amount))})
    if v.rule == "class_size_cap" and v.grade is not None:
        g = v.grade - 1
        classes = np.asarray(row.classes_by_grade, dtype=np.int64)
        for level, sl, rooms in room_groups(inst, j):
            if g in range(9)[sl]:
                rooms += sum(i.count for i in built
                             if i.what == "classrooms" and i.level == level)
                need = class_cap_relief_rooms(row.enrolment_by_grade[g],
                                              int(inst.class_cap[g]), int(classes[g]),
                                              int(classes[sl].sum()), rooms)
                return v.model_copy(update={"relief": make_relief(inst.policy, need, 0)})
    return v


def settle_capacity(inst: Instance, rows: list[SchoolResult], violations: list[Violation],
                    ) -> tuple[list[Violation], list[Investment], InvestmentTotal]:
    """The violations left once the plan invests (`options.invest`), each with its relief,
    the investments per school and their total. Without `invest` nothing is built."""
    invest = inst.scenario.options.invest
    sid = inst.school_index()
    row_of = {r.id: r for r in rows}
    investments: list[Investment] = []
    if invest:
        for r in rows:
            investments += school_investments(inst, sid[r.id], r)
    settled = {(i.school, "classrooms" if i.what == "classrooms" else "boarding_beds")
               for i in investments}
    kept = []
    for v in violations:
        if (v.subject, v.rule) in settled:
            continue  # built: no longer a violation
        if v.subject in row_of and v.subject in sid:
            v = relieve(inst, sid[v.subject], row_of[v.subject], v,
                        [i for i in investments if i.school == v.subject])
        kept.append(v)
    return kept, investments, total_investments(inst, investments)


def total_investments(inst: Instance, investments: list[Investment]) -> InvestmentTotal:
    """The total of `investments`: counts, yuan and the objective term (integer units of
    `rules.investment.investment_units` per classroom and bed, back in pupil-km)."""
    units = investment_units(inst.policy)
    rooms = sum(i.count for i in investments if i.what == "classrooms")
    beds = sum(i.count for i in investments if i.what == "beds")
    return InvestmentTotal(
        classrooms=rooms, beds=beds,
        cost_yuan=round(sum(i.cost_yuan for i in investments), 2),
        annual_cost_yuan=round(sum(i.annual_cost_yuan for i in investments), 2),
        objective=(rooms * units["classrooms"] + beds * units["boarding_beds"]) / SCALE)
