"""Staffing demand: how many teachers each school needs per level (and subject) for a plan.

The demand follows the 2014 unified staffing standard: pupils / ratio per level (policy
`staffing.pupils_per_teacher`, primary 19, junior 13.5), rounded up; small schools (fewer
than `small_school.max_pupils` pupils in all, rural ones only unless `rural_only` is off)
also need `teachers_per_class` per class of the level. Where the policy gives per-class
needs of a subject (`staffing.subject_teachers_per_class`), each school needs
ceil(classes x need) teachers of that subject. A school without pupils of a level needs no
teacher of it. The plan is the student stage's result (`plan_from_schools`) or today's
enrolment (`plan_from_today`, from each block's `current_school`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from allocator.model.findings import Finding
from allocator.model.grades import LEVELS, level_of
from allocator.model.policy import Policy
from allocator.model.result import SchoolResult
from allocator.model.scenario import Scenario, School

LEVEL_SLICES = (slice(0, 6), slice(6, 9))
EPS = 1e-9


@dataclass
class Plan:
    """Pupils and classes per school and grade (rows in `school_ids` order)."""

    school_ids: list[str]
    pupils: np.ndarray  # (n, 9)
    classes: np.ndarray  # (n, 9)
    source: str  # "student_plan" or "today"

    def by_level(self) -> tuple[np.ndarray, np.ndarray]:
        """Pupils (n, 2) and classes (n, 2) per school and level (primary, junior)."""
        p = np.column_stack([self.pupils[:, s].sum(1) for s in LEVEL_SLICES])
        c = np.column_stack([self.classes[:, s].sum(1) for s in LEVEL_SLICES])
        return p.astype(np.int64), c.astype(np.int64)


@dataclass
class Demand:
    """Teachers needed per school and level, and per table subject (`subject_keys`)."""

    pupils: np.ndarray  # (n, 2)
    classes: np.ndarray  # (n, 2)
    teachers: np.ndarray  # (n, 2) demand per level
    per_class: np.ndarray  # (n, 2) bool: the small-school per-class minimum decided it
    subject_keys: list[tuple[int, str]]  # (level index, subject) with per-class needs
    subjects: np.ndarray  # (n, len(subject_keys)) demand per table subject


def ceil_int(x: float) -> int:
    """The smallest integer >= x, tolerant of float noise (19 * 3 / 19 is 3, not 4)."""
    return int(math.ceil(x - EPS))


def plan_from_schools(rows: list[SchoolResult], schools: list[School]) -> Plan:
    """The plan of a student-stage result: its enrolment and classes per grade for each of
    `schools` (a school without a row has no pupils)."""
    by_id = {r.id: r for r in rows}
    n = len(schools)
    pupils = np.zeros((n, 9), dtype=np.int64)
    classes = np.zeros((n, 9), dtype=np.int64)
    for i, s in enumerate(schools):
        r = by_id.get(s.id)
        if r is not None:
            pupils[i] = r.enrolment_by_grade
            classes[i] = r.classes_by_grade
    return Plan([s.id for s in schools], pupils, classes, "student_plan")


def plan_from_today(scenario: Scenario, policy: Policy,
                    schools: list[School]) -> tuple[Plan, list[Finding]]:
    """Today's enrolment: every block's pupils at its `current_school` per grade, classes
    per grade ceil(pupils / class cap). Pupils whose grade has no open current school are
    left out and counted in a warning."""
    idx = {s.id: i for i, s in enumerate(schools)}
    pupils = np.zeros((len(schools), 9), dtype=np.int64)
    missing = 0
    year = scenario.options.year
    for b in scenario.blocks:
        counts = b.pupils(year)
        for g, sid in enumerate(b.current_by_grade()):
            if counts[g] == 0:
                continue
            if sid in idx:
                pupils[idx[sid], g] += counts[g]
            else:
                missing += counts[g]
    cap = np.array([getattr(policy.class_size_cap, level_of(g)) for g in range(1, 10)])
    classes = -(-pupils // cap[None, :])
    findings = []
    if missing:
        findings.append(Finding(
            severity="warning", code="no_current_school", field="blocks.current_school",
            message=f"{missing} pupils have no open current school for their grade and do "
                    "not count towards staffing (stage teachers uses today's enrolment)"))
    return Plan([s.id for s in schools], pupils, classes, "today"), findings


def small_school(total_pupils: int, urban: bool, policy: Policy) -> bool:
    """Whether the small-school per-class minimum applies to a school of this size."""
    rule = policy.staffing.small_school
    return total_pupils < rule.max_pupils and not (urban and rule.rural_only)


def level_demand(pupils: int, classes: int, level: int, small: bool, policy: Policy
                 ) -> tuple[int, bool]:
    """Teachers one school needs for one level: ceil(pupils / ratio), and for a small
    school at least ceil(classes x per-class minimum). Returns (demand, per-class decided)."""
    if pupils <= 0:
        return 0, False
    name = LEVELS[level]
    ratio = ceil_int(pupils / getattr(policy.staffing.pupils_per_teacher, name))
    if not small:
        return ratio, False
    per_class = ceil_int(classes * getattr(policy.staffing.small_school.teachers_per_class,
                                           name))
    return max(ratio, per_class), per_class > ratio


def subject_keys(policy: Policy) -> list[tuple[int, str]]:
    """(level index, subject) of every subject with a per-class need, in policy order."""
    return [(LEVELS.index(level), subject)
            for level in LEVELS
            for subject in policy.staffing.subject_teachers_per_class.get(level, {})]


def staffing_demand(plan: Plan, schools: list[School], policy: Policy) -> Demand:
    """Demand per school and level (and per table subject) for `plan`; see the module."""
    pupils, classes = plan.by_level()
    n = len(schools)
    teachers = np.zeros((n, 2), dtype=np.int64)
    per_class = np.zeros((n, 2), dtype=bool)
    keys = subject_keys(policy)
    subj = np.zeros((n, len(keys)), dtype=np.int64)
    tables = policy.staffing.subject_teachers_per_class
    for i, s in enumerate(schools):
        small = small_school(int(pupils[i].sum()), s.urban, policy)
        for lv in (0, 1):
            teachers[i, lv], per_class[i, lv] = level_demand(
                int(pupils[i, lv]), int(classes[i, lv]), lv, small, policy)
        for k, (lv, subject) in enumerate(keys):
            if pupils[i, lv] > 0:
                subj[i, k] = ceil_int(classes[i, lv] * tables[LEVELS[lv]][subject])
    return Demand(pupils, classes, teachers, per_class, keys, subj)
