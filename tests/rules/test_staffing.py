"""Staffing demand per school, level and subject, from a plan or today's enrolment."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.model.policy import PolicyError, resolve_policy
from allocator.model.result import SchoolResult
from allocator.rules.staffing import (
    Plan,
    ceil_int,
    level_demand,
    plan_from_schools,
    plan_from_today,
    staffing_demand,
)
from tests.conftest import block, scenario, school


def plan(rows: list[tuple[list[int], list[int]]]) -> Plan:
    return Plan([f"S{i}" for i in range(len(rows))], np.array([p for p, _ in rows]),
                np.array([c for _, c in rows]), "student_plan")


def test_ratio_rounds_up_without_float_noise():
    pol = resolve_policy()
    assert ceil_int(57 / 19) == 3 and ceil_int(58 / 19) == 4
    assert level_demand(190, 6, 0, False, pol) == (10, False)
    assert level_demand(191, 6, 0, False, pol) == (11, False)
    assert level_demand(135, 3, 1, False, pol) == (10, False)  # 135 / 13.5
    assert level_demand(0, 0, 0, True, pol) == (0, False)


def test_small_rural_schools_need_teachers_per_class():
    pol = resolve_policy()
    schools = [school("R", 0, kind="nine_year"), school("U", 1000, urban=True),
               school("B", 2000)]
    p = plan([([10, 10, 10, 10, 10, 10, 10, 10, 0], [1] * 8 + [0]),  # 80 pupils, 8 classes
              ([10, 10, 10, 10, 10, 10, 0, 0, 0], [1] * 6 + [0] * 3),  # urban: ratio only
              ([20] * 6 + [0] * 3, [1] * 6 + [0] * 3)])  # 120 pupils: not small
    d = staffing_demand(p, [sc for sc in schools_models(schools)], pol)
    # R primary: 60 / 19 -> 4, 6 classes x 1.7 -> 11; junior: 20 / 13.5 -> 2, 2 x 2.5 -> 5
    assert d.teachers[0].tolist() == [11, 5] and d.per_class[0].all()
    assert d.teachers[1].tolist() == [4, 0] and not d.per_class[1].any()
    assert d.teachers[2].tolist() == [7, 0]
    urban_too = resolve_policy(overrides={"staffing.small_school.rural_only": False})
    assert staffing_demand(p, schools_models(schools), urban_too).teachers[1, 0] == 11


def schools_models(raw: list[dict]):
    return scenario(raw, [block("b", 0, grades={1: 1})]).schools


def test_subject_needs_per_class():
    pol = resolve_policy(overrides={"staffing.subject_teachers_per_class": {
        "primary": {"pe": 0.15, "english": 0.3}, "junior": {"physics": 0.4}}})
    p = plan([([40] * 6 + [0] * 3, [1] * 6 + [0] * 3), ([0] * 9, [0] * 9)])
    d = staffing_demand(p, schools_models([school("A", 0), school("B", 10)]), pol)
    assert d.subject_keys == [(0, "pe"), (0, "english"), (1, "physics")]
    assert d.subjects[0].tolist() == [1, 2, 0]  # 6 x 0.15 -> 1, 6 x 0.3 -> 2
    assert d.subjects[1].tolist() == [0, 0, 0]  # no pupils, no need


def test_subject_tables_name_taught_subjects():
    with pytest.raises(PolicyError, match="'latin' is not in subjects.primary"):
        resolve_policy(overrides={"staffing.subject_teachers_per_class.primary.latin": 0.1})
    pol = resolve_policy(overrides={"staffing.subjects.primary": ["chinese", "latin"],
                                    "staffing.subject_teachers_per_class.primary.latin": 0.1})
    assert pol.staffing.subject_teachers_per_class == {"primary": {"latin": 0.1}}


def test_plan_from_the_student_result_and_from_today():
    sc = scenario([school("A", 0, kind="nine_year"), school("B", 3000)],
                  [block("b1", 0, grades={1: 50, 7: 20}, current_school={"primary": "A",
                                                                        "junior": "A"}),
                   block("b2", 3000, grades={2: 30}, current_school={"primary": "B"}),
                   block("b3", 3000, grades={3: 7})])
    pol = resolve_policy()
    today, warnings = plan_from_today(sc, pol, sc.schools)
    assert today.pupils[0].tolist() == [50, 0, 0, 0, 0, 0, 20, 0, 0]
    assert today.classes[0].tolist() == [2, 0, 0, 0, 0, 0, 1, 0, 0]  # ceil(50 / 45)
    assert today.source == "today" and "7 pupils" in warnings[0].message
    row = SchoolResult(id="B", kind="primary", enrolment=30, enrolment_by_grade=[0, 30] + [0] * 7,
                       classes_by_grade=[0, 1] + [0] * 7, classes=1, classrooms=12,
                       max_class_size=30, size_cap=2000, boarders=0, beds=0, utilisation=0.1)
    p = plan_from_schools([row], sc.schools)
    assert p.pupils.sum(axis=1).tolist() == [0, 30] and p.source == "student_plan"


def test_generated_rosters_staff_town_above_and_villages_below_demand():
    from collections import Counter

    from allocator.io.generate import generate_county
    from allocator.teachers.roster import build_roster

    sc = scenario_from(generate_county(60, 900, seed=5, teachers=True))
    pol = resolve_policy()
    today, _ = plan_from_today(sc, pol, sc.schools)
    ro = build_roster(sc, pol, sc.schools, today)
    urban = np.array([s.urban for s in sc.schools])
    d = ro.demand.teachers
    assert ro.n0[urban].sum() > d[urban].sum()  # town schools hold a few more
    assert ro.n0[~urban].sum() < d[~urban].sum()  # the usual rural shortage
    cells = Counter((t.school, t.level) for t in sc.teachers)
    subjects = {k: {t.subject for t in sc.teachers if (t.school, t.level) == k} for k in cells}
    assert all({"chinese", "math"} <= subjects[k] for k, n in cells.items() if n >= 2)
    assert {t.exempt for t in sc.teachers} == {None, "pregnancy", "illness",
                                               "rotated_this_term"}


def scenario_from(data: dict):
    from allocator.model.loading import parse_scenario

    return parse_scenario(data)
