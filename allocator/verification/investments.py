"""The result's `investments[]`, their total and each violation's `relief`, recomputed.

Investments (rule `investment`) must belong to a result solved with `invest`, sit at open
schools, be priced as the policy says, be built only where building costs no more than the
penalty, and add no more than the plan's classes and boarders need (the student checker
subtracts them from the shortfalls it recomputes, `added_capacity`). A violation's relief is
recomputed from its school row: the classrooms beyond the rooms, the beds beyond the beds,
for a grade over the class cap the rooms its group needs once that grade opens
ceil(pupils / cap) classes; none for the size cap or any other rule. No solver code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from allocator.model.investment import Relief
from allocator.model.policy import Policy
from allocator.model.result import Result, SchoolResult, Violation
from allocator.model.scenario import School
from allocator.rules.investment import builds, cost_yuan, investment_units, make_relief
from allocator.rules.objective import SCALE

Flag = Callable[[str, str, str], None]
WHAT_RULE = {"classrooms": "classrooms", "beds": "boarding_beds"}


def added_capacity(result: Result) -> dict[str, dict[str | None, int]]:
    """Per school: classrooms added per level (None: rooms shared by the levels) and beds
    added (key "beds")."""
    added: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for i in result.investments:
        added[i.school]["beds" if i.what == "beds" else i.level] += i.count
    return added


def check_investments(policy: Policy, result: Result, schools: dict[str, School],
                      flag: Flag) -> int:
    """Each investment row and the total against the policy; returns the recomputed
    objective units of the investments."""
    units = investment_units(policy)
    seen: set[tuple[str, str, str | None]] = set()
    total = 0
    for i in result.investments:
        s = schools.get(i.school)
        key = (i.school, i.what, i.level)
        if not result.invest:
            flag("investment", i.school, "an investment in a result solved without invest")
        if s is None:
            flag("investment", i.school, f"{i.what} built at a school that is not open")
        elif i.what == "classrooms" and (i.level is None) != (s.classrooms_by_level is None):
            flag("investment", i.school, "classrooms must name a level exactly where the "
                 "school counts its classrooms per level")
        if key in seen:
            flag("investment", i.school, f"{i.what} listed twice")
        seen.add(key)
        if not builds(policy, True, WHAT_RULE[i.what]):
            flag("investment", i.school, f"{i.what} built although they cost more than the "
                 "penalty they avoid")
        once, year = cost_yuan(policy, i.what, i.count)
        if abs(once - i.cost_yuan) > 0.01 or abs(year - i.annual_cost_yuan) > 0.01:
            flag("investment", i.school, f"{i.what}: cost {i.cost_yuan} / "
                 f"{i.annual_cost_yuan} yuan reported, {once} / {year} recomputed")
        total += i.count * units[WHAT_RULE[i.what]]
    check_total(result, total, flag)
    return total


def check_total(result: Result, units: int, flag: Flag) -> None:
    """`investments_total` against the rows and the objective term."""
    t, rows = result.investments_total, result.investments
    expect = {"classrooms": sum(i.count for i in rows if i.what == "classrooms"),
              "beds": sum(i.count for i in rows if i.what == "beds"),
              "cost_yuan": sum(i.cost_yuan for i in rows),
              "annual_cost_yuan": sum(i.annual_cost_yuan for i in rows),
              "objective": units / SCALE}
    for key, value in expect.items():
        if abs(getattr(t, key) - value) > 0.011:
            flag("investment", result.scenario, f"investments_total.{key} {getattr(t, key)} "
                 f"reported, {value} recomputed")
    terms = result.objective_terms
    if terms is not None and abs(terms.investment - units / SCALE) > 0.011:
        flag("investment", result.scenario, f"objective_terms.investment {terms.investment}"
             f", recomputed {units / SCALE}")


def expected_relief(policy: Policy, v: Violation, row: SchoolResult, school: School,
                    cap: list[int], added: dict[str | None, int]) -> Relief | None:
    """The relief `v` should carry, from its school row (see the module docstring)."""
    if v.rule == "classrooms":
        return make_relief(policy, int(v.amount), 0)
    if v.rule == "boarding_beds":
        return make_relief(policy, 0, int(v.amount))
    if v.rule != "class_size_cap" or v.grade is None:
        return None
    g = v.grade - 1
    if school.classrooms_by_level is not None:
        lo, hi, level = (0, 6, "primary") if g < 6 else (6, 9, "junior")
        rooms = getattr(school.classrooms_by_level, level) + added.get(level, 0)
    else:
        lo, hi = 0, 9
        rooms = (school.classrooms or 0) + added.get(None, 0)
    classes = row.classes_by_grade
    need = -(-row.enrolment_by_grade[g] // cap[g]) - classes[g]
    rooms_needed = max(0, sum(classes[lo:hi]) + need - rooms) if need > 0 else 0
    return make_relief(policy, rooms_needed, 0)


def check_reliefs(policy: Policy, result: Result, schools: dict[str, School], cap: list[int],
                  flag: Flag) -> int:
    """Each student-stage violation's relief against its recomputation; returns how many
    were checked."""
    rows = {r.id: r for r in result.schools}
    added = added_capacity(result)
    checked = 0
    for v in result.violations:
        if v.rule not in ("class_size_cap", "classrooms", "school_size_cap", "boarding_beds"):
            continue
        row, school = rows.get(v.subject), schools.get(v.subject)
        if row is None or school is None:
            continue  # the violation check names it
        expect = expected_relief(policy, v, row, school, cap, added.get(v.subject, {}))
        if expect != v.relief:
            flag("relief", v.subject, f"{v.rule}: relief {v.relief} reported, {expect} "
                 "recomputed")
        checked += 1
    return checked
