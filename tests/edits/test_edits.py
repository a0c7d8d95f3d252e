"""Hand edits: no edit reproduces the job's figures, an edit and its inverse cancel, a
hand-made move has the figures worked out by hand, bad edits are named, options and locks."""

from __future__ import annotations

import pytest

from allocator import (
    Edit,
    ScenarioError,
    apply_edits,
    block_options,
    edited_schools,
    prepare_edits,
    scenario_with_locks,
    solve,
    verify,
)
from allocator.model.result import Result
from tests.conftest import block, scenario, school

from .helpers import chosen, county, rural


def figures(result: Result) -> dict:
    return {"kpis": result.kpis.model_dump(mode="json"),
            "violations": [v.model_dump(mode="json") for v in result.violations],
            "schools": [s.model_dump(mode="json") for s in result.schools]}


def plan_figures(plan) -> dict:
    return {"kpis": plan.kpis.model_dump(mode="json"),
            "violations": [v.model_dump(mode="json") for v in plan.violations],
            "schools": [s.model_dump(mode="json") for s in plan.schools]}


@pytest.mark.parametrize("solved", [rural, chosen, county], ids=["rural", "choose", "county"])
def test_no_edit_reproduces_the_jobs_figures_exactly(solved):
    sc, result = solved()
    plan = apply_edits(sc, result, [])
    assert plan_figures(plan) == figures(result)
    assert plan.kpis_base == result.kpis and plan.changed == [] and plan.edits == []
    assert plan.result.assignments == result.assignments


def first_move(base, school):
    """An admissible move of some block's level to another school: (edit, its inverse)."""
    for (bid, level) in base.unit_keys():
        opts = block_options(base, school, bid, level)
        for o in opts.options:
            if o.admissible and o.school != opts.current:
                return (Edit(block=bid, level=level, school=o.school),
                        Edit(block=bid, level=level, school=opts.current))
    raise AssertionError("no admissible move")


@pytest.mark.parametrize("solved", [rural, chosen], ids=["rural", "choose"])
def test_an_edit_then_its_inverse_gives_the_figures_back(solved):
    sc, result = solved()
    base = prepare_edits(sc, result)
    edit, inverse = first_move(base, base.school)
    moved = apply_edits(sc, result, [edit], base)
    assert [(c.block, c.level, c.to) for c in moved.changed] == [
        (edit.block, edit.level, edit.school)]
    assert plan_figures(moved) != figures(result)
    back = apply_edits(sc, result, [edit, inverse], base)
    assert plan_figures(back) == figures(result) and back.changed == []
    assert verify(sc, moved.result).ok, verify(sc, moved.result).problems


def two_schools():
    """Village v (60 pupils of grade 5) 200 m from A, 4 km from B (2 km rural day radius
    for primary: at B they board, B has 10 beds); w (30 pupils of grade 2) beside B."""
    sc = scenario([school("A", 0, beds=0), school("B", 4000, beds=10)],
                  [block("v", 200, grades={5: 60}, current_school={"primary": "A"}),
                   block("w", 3900, grades={2: 30}, current_school={"primary": "B"})],
                  policy={"overrides": {"day_radius_km.primary.rural": 2}},
                  options={"workers": 1, "time_limit_s": 2})
    return sc, solve(sc, stage="students")


def test_a_hand_made_move_has_the_figures_worked_out_by_hand():
    sc, result = two_schools()
    assert {a.block: a.school for a in result.assignments} == {"v": "A", "w": "B"}
    plan = apply_edits(sc, result, [Edit(block="v", level="primary", school="B")])
    rows = {s.id: s for s in plan.schools}
    assert rows["A"].enrolment == 0 and rows["B"].enrolment == 90
    assert rows["B"].enrolment_by_grade[4] == 60 and rows["B"].classes_by_grade[4] == 2
    assert rows["B"].boarders == 60  # grade 5 beyond the 2 km radius boards
    beds = [v for v in plan.violations if v.rule == "boarding_beds"]
    assert [(v.subject, v.amount) for v in beds] == [("B", 50)]
    assert plan.kpis.moved_pupils == 60 and plan.kpis.boarding.beds_short == 50
    assert plan.kpis.travel.primary.max_km == 3.8
    assert [(c.block, c.from_, c.to) for c in plan.changed] == [("v", "A", "B")]
    assert plan.result.status == "feasible"  # worse than the proven optimum
    assert verify(sc, plan.result).ok


@pytest.mark.parametrize("edit, field, words", [
    ({"block": "nope", "level": "primary", "school": "A"}, "block", "no block 'nope'"),
    ({"block": "v", "level": "junior", "school": "A"}, "level", "no junior pupils"),
    ({"block": "v", "level": "primary", "school": "Z"}, "school", "no open school 'Z'"),
    ({"block": "v", "level": "primary", "school": "J"}, "school", "served_grades"),
    ({"block": "v", "level": "primary"}, "school", "lock: true"),
])
def test_bad_edits_are_named_by_index_and_field(edit, field, words):
    sc = scenario([school("A", 0), school("J", 500, kind="junior")],
                  [block("v", 200, grades={5: 60})], options={"workers": 1, "time_limit_s": 2})
    result = solve(sc, stage="students")
    ok = Edit(block="v", level="primary", school="A")
    with pytest.raises(ScenarioError) as exc:
        apply_edits(sc, result, [ok, Edit(**edit)])
    (f,) = exc.value.findings
    assert f.record == "edits[1]" and f.field == field and f.path == f"edits.1.{field}"
    assert words in f.message


def test_strict_plan_refuses_young_pupils_beyond_the_radius():
    sc = scenario([school("A", 0), school("B", 4000)], [block("v", 200, grades={1: 20})],
                  policy={"overrides": {"day_radius_km.primary.rural": 2}},
                  options={"workers": 1, "time_limit_s": 2, "strict": True})
    result = solve(sc, stage="students")
    base = prepare_edits(sc, result)
    opts = {o.school: o for o in block_options(base, base.school, "v", "primary").options}
    assert (opts["B"].admissible, opts["B"].reason) == (False, "young_beyond_day_radius")
    assert (opts["A"].admissible, opts["A"].reason) == (True, None)
    with pytest.raises(ScenarioError) as exc:
        apply_edits(sc, result, [Edit(block="v", level="primary", school="B")], base)
    assert "young_beyond_day_radius" in exc.value.findings[0].message


def test_options_are_nearest_first_with_loads_after_the_edits():
    sc, result = two_schools()
    base = prepare_edits(sc, result)
    school = edited_schools(base, [Edit(block="v", level="primary", school="B")])
    opts = block_options(base, school, "w", "primary")
    assert opts.current == "B" and [o.school for o in opts.options] == ["B", "A"]
    b, a = opts.options
    assert (b.load, a.load) == (90, 0) and b.capacity == 12 * 45
    assert b.utilisation == round(90 / 540, 4) and b.distance_km == 0.1
    assert all(o.admissible for o in opts.options)  # elastic: priced, not refused
    assert (b.reason, a.reason) == (None, "young_beyond_day_radius")


def test_a_resolve_keeps_the_edits_as_locks():
    sc, result = two_schools()
    base = prepare_edits(sc, result)
    edits = [Edit(block="v", level="primary", school="B"),
             Edit(block="w", level="primary", lock=True)]
    locked = scenario_with_locks(base, edited_schools(base, edits), edits)
    assert [(lk.block, lk.school) for lk in locked.options.locked] == [("v", "B"), ("w", "B")]
    again = solve(locked, stage="students")
    assert {a.block: a.school for a in again.assignments} == {"v": "B", "w": "B"}
    assert verify(locked, again).ok
