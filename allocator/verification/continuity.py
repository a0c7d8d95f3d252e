"""The continuity rule of a horizon plan (`cohort_continuity`), re-checked from the plan's
scenario and each year's scenario and result, with no solver code.

Checked: every year's result has its `horizon` section; each cohort row agrees with the
year's assignment rows (its unit attends its school in its grade) and with the pupils the
plan's scenario gives the block in that grade and year; every pupil of the year is in one
cohort row; an enrolled cohort changes school only when its school of the year before is
closed or no longer teaches its grade, or once (and only once) when the plan's continuity
is `whole`; in the year of a `choose` its candidates' pupils may move (the choose decides
whether their school stays). In the first year the block's `current_school` stands for the
year before (intakes of grade 1 and grade 7 excepted).
"""

from __future__ import annotations

from allocator.layout import apply_layout
from allocator.model.grades import parse_grade_key
from allocator.model.result import Result
from allocator.model.scenario import Scenario

from .students import Problem

RULE = "cohort_continuity"
Key = tuple[str, str, int]


def _rows_agree(year: int, result: Result, plan: Scenario) -> list[Problem]:
    """Cohort rows against the year's assignments and the plan's pupils."""
    out: list[Problem] = []
    h = result.horizon
    assert h is not None
    where = {(a.block, g): a.school for a in result.assignments
             for g in parse_grade_key(a.grades)}
    seen: dict[tuple[str, int], int] = {}
    for c in h.cohorts:
        school = where.get((c.unit, c.grade))
        if school != c.school:
            out.append(Problem(RULE, c.block, f"{year} grade {c.grade}: cohort row says "
                               f"'{c.school}', unit '{c.unit}' attends '{school}'"))
        seen[(c.block, c.grade)] = seen.get((c.block, c.grade), 0) + c.pupils
    for b in plan.blocks:
        counts = (b.students_by_year or {}).get(str(year))
        for g in range(1, 10):
            want = counts[g - 1] if counts else 0
            if seen.get((b.id, g), 0) != want:
                out.append(Problem(RULE, b.id, f"{year} grade {g}: cohort rows hold "
                                   f"{seen.get((b.id, g), 0)} pupils, the scenario {want}"))
    return out


def _teaching(sc: Scenario) -> dict[str, tuple[int, ...]]:
    """Open schools of a year's scenario (layout applied) and the grades they teach; the
    candidates of a `choose` of that year are left out (the choose decides their pupils'
    school)."""
    layout = apply_layout(sc)
    unsure = layout.candidates()
    return {s.id: s.served_grades() for s in layout.schools if s.id not in unsure}


def _first_year_school(plan: Scenario, block: str, grade: int) -> str | None:
    if grade in (1, 7):
        return None
    b = next((b for b in plan.blocks if b.id == block), None)
    return None if b is None else b.current_by_grade()[grade - 1]


def check_continuity(plan: Scenario, years: list[tuple[int, Scenario, Result]]
                     ) -> tuple[list[Problem], int]:
    """Problems of rule `cohort_continuity` over the plan's years (see the module
    docstring), and the number of cohort rows checked."""
    whole = plan.options.continuity == "whole"
    before: dict[Key, str] = {}
    reassigned: set[Key] = set()
    out: list[Problem] = []
    rows = 0
    for i, (year, sc, result) in enumerate(years):
        if result.horizon is None:
            out.append(Problem(RULE, str(year), "the result has no horizon section"))
            continue
        out += _rows_agree(year, result, plan)
        teaching = _teaching(sc)
        for c in result.horizon.cohorts:
            rows += 1
            key = (c.block, c.level, c.entry_year)
            prev = before.get(key) if i else _first_year_school(plan, c.block, c.grade)
            if prev is not None and c.school != prev and c.grade in teaching.get(prev, ()):
                if whole and key not in reassigned:
                    reassigned.add(key)
                else:
                    out.append(Problem(RULE, c.block, f"{year}: the {c.level} cohort of "
                                       f"{c.entry_year} moved from '{prev}' to '{c.school}' "
                                       "though its school stays open" + (
                                           " (moved a second time)" if whole else "")))
            before[key] = c.school
    return out, rows
