"""Horizon plans on hand-made instances whose answers are known: continuity of enrolled
cohorts, pupils of a closed school moved once, dated policy values, targets per year."""

from __future__ import annotations

import pytest

from allocator import ScenarioError, parse_scenario, plan_horizon
from tests.conftest import school
from tests.horizon.helpers import (
    YEARS,
    closing_school_data,
    cohort_block,
    opening_school_data,
    plan_data,
    primary,
)


def cohorts_of(plan, year):
    py = next(p for p in plan.years if p.year == year)
    return {c.grade: c for c in py.result.horizon.cohorts}


def test_enrolled_cohorts_stay_when_a_closer_school_opens():
    plan = plan_horizon(parse_scenario(opening_school_data()), time_limit=5)
    assert [py.year for py in plan.years] == [2026, 2027, 2028]
    first = cohorts_of(plan, 2026)
    assert {c.school for c in first.values()} == {"A"}  # N not open yet
    assert all(c.status == "new" for c in first.values())
    second = cohorts_of(plan, 2027)
    assert second[1].school == "N" and second[1].status == "new"  # the intake goes closer
    for g in range(2, 7):  # enrolled pupils finish at A
        assert second[g].school == "A" and second[g].status == "kept"
        assert second[g].previous_school == "A"
        assert second[g].entry_year == 2027 - g + 1
    third = cohorts_of(plan, 2028)
    assert third[2].school == "N" and third[2].status == "kept"  # 2027's intake stays at N
    assert third[1].school == "N" and third[3].school == "A"
    assert plan.years[1].result.horizon.pupils_moved == 0
    assert plan.years[1].result.horizon.cohorts_kept == 50


def test_whole_continuity_reassigns_each_cohort_once():
    plan = plan_horizon(parse_scenario(opening_school_data("whole")), time_limit=5)
    second = cohorts_of(plan, 2027)
    # 1.9 km saved per pupil outweighs the stability weight of 1: everyone moves to N once
    assert all(c.school == "N" for c in second.values())
    assert {second[g].status for g in range(2, 7)} == {"reassigned"}
    assert plan.years[1].result.horizon.pupils_reassigned == 50
    third = cohorts_of(plan, 2028)
    assert all(c.status in ("kept", "new") for c in third.values())


def test_pupils_of_a_closed_school_move_once():
    plan = plan_horizon(parse_scenario(closing_school_data()), time_limit=5)
    first = cohorts_of(plan, 2026)
    assert first[1].school == "B" and first[1].status == "new"
    assert all(first[g].school == "B" and first[g].status == "kept" for g in range(2, 7))
    second = cohorts_of(plan, 2027)
    assert all(second[g].school == "A" and second[g].status == "moved" for g in range(2, 7))
    assert second[1].status == "new" and second[1].school == "A"
    assert plan.years[1].result.horizon.pupils_moved == 50
    third = cohorts_of(plan, 2028)
    assert all(c.school == "A" and c.status in ("kept", "new") for c in third.values())
    assert plan.years[2].result.horizon.pupils_moved == 0


def test_policy_by_year_changes_the_class_cap():
    data = plan_data([school("A", 0)],
                     [cohort_block("b", 500, {y: primary(40) for y in YEARS})],
                     policy={"by_year": {"2027": {"class_size_cap.primary": 30}}})
    plan = plan_horizon(parse_scenario(data), time_limit=5)
    classes = {py.year: py.result.schools[0].classes_by_grade[:6] for py in plan.years}
    assert classes[2026] == [1] * 6  # 40 pupils, cap 45
    assert classes[2027] == [2] * 6 == classes[2028]  # cap 30 from 2027 on


def test_target_met_in_one_year_and_missed_in_another():
    counts = {"2026": primary(40), "2027": primary(60)}
    data = plan_data([school("A", 0, max_students=300)], [cohort_block("b", 500, counts)],
                     targets=[{"id": "size", "kpi": "schools_over_size_cap", "op": "<=",
                               "value": 0},
                              {"kpi": "nearest_school_share", "op": ">=", "value": 1,
                               "year": 2027}])
    plan = plan_horizon(parse_scenario(data), time_limit=5)
    t26 = plan.years[0].result.horizon.targets
    t27 = plan.years[1].result.horizon.targets
    assert [(t.id, t.met, t.amount) for t in t26] == [("size", True, 0.0)]  # 240 <= 300
    assert [(t.id, t.met, t.amount) for t in t27] == [("size", False, 1.0),  # 360 > 300
                                                      ("targets[1]", True, 0.0)]
    rows = plan.rows()
    assert [r["targets_missed"] for r in rows] == [0, 1]


@pytest.mark.parametrize(("change", "record", "field"), [
    (lambda d: d["layout"].__setitem__(0, {**d["layout"][0], "year": 2035}),
     "layout[0] (close)", "year"),
    (lambda d: d["layout"].append({"op": "expand", "school": "B", "classrooms": 2,
                                   "year": 2028}), "layout[1] (expand)", "school"),
    (lambda d: d.__setitem__("targets", [{"kpi": "happiness", "op": ">=", "value": 1}]),
     "targets[0]", "kpi"),
    (lambda d: d["blocks"][0]["students_by_year"].pop("2027"), "block 'b'",
     "students_by_year"),
])
def test_bad_input_names_the_record_and_field(change, record, field):
    data = closing_school_data()
    change(data)
    with pytest.raises(ScenarioError) as exc:
        plan_horizon(parse_scenario(data), years=(2026, 2028), time_limit=5)
    found = [(f.record, f.field) for f in exc.value.findings]
    assert (record, field) in found, found


def test_cohort_leaving_a_teaching_point_moves_and_the_younger_ones_stay():
    data = plan_data(
        [school("A", 0), school("TP", 500, kind="teaching_point", rooms=3)],
        [cohort_block("b", 600, {y: primary(8) for y in YEARS[:2]},
                      current_school={"1-3": "TP", "4-6": "A"})])
    plan = plan_horizon(parse_scenario(data), time_limit=5)
    first, second = cohorts_of(plan, 2026), cohorts_of(plan, 2027)
    assert [first[g].school for g in range(1, 7)] == ["TP"] * 3 + ["A"] * 3
    assert first[2].status == "kept" and first[4].status == "kept"
    assert second[3].school == "TP" and second[3].status == "kept"  # locked to TP's grades
    assert second[4].school == "A" and second[4].status == "moved"  # TP stops at grade 3
    assert second[4].previous_school == "TP"


def test_choose_is_decided_in_its_year_and_kept_after():
    grades = {y: primary(10) for y in YEARS}
    data = plan_data(
        [school("A", 0), school("B", 1000), school("C", 10000)],
        [cohort_block("a", 0, grades), cohort_block("c", 10000, grades),
         cohort_block("m", 1000, {y: primary(1) for y in YEARS})],
        layout=[{"op": "choose", "candidates": ["A", "B", "C"], "keep": 2, "year": 2027}])
    plan = plan_horizon(parse_scenario(data), time_limit=5)
    open_by_year = {py.year: sorted(s.id for s in py.result.schools) for py in plan.years}
    assert open_by_year[2026] == ["A", "B", "C"]
    choose = plan.years[1].result.layout.choose
    assert [c.closed for c in choose] == [["B"]]  # the emptiest candidate goes
    assert open_by_year[2027] == open_by_year[2028] == ["A", "C"]
    assert plan.years[2].result.layout.choose == []  # decided once, not again
    assert [op.op for op in plan.years[2].scenario.layout] == ["close"]
    moved = cohorts_of(plan, 2027)
    assert {c.grade: c.school for c in plan.years[1].result.horizon.cohorts
            if c.block == "m"} == dict.fromkeys(range(1, 7), "A")
    assert moved[1].school in ("A", "C")
