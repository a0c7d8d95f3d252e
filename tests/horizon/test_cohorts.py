"""A year's cohort units built array-wise: which cohorts share a unit, the unit ids in
order, their pupils, locks and former school, on a block whose answer is known."""

from __future__ import annotations

import gc

from allocator.horizon.cohorts import CohortState, cohort_scenario
from allocator.horizon.phasing import build_year
from allocator.horizon.run import collector_paused
from allocator.model.scenario import Scenario
from tests.conftest import school

from .helpers import cohort_block, plan_data


def first_year_units():
    """Block b (5 pupils in every grade) attends S2 in grades 2-3, X in 4, S1 in 5-6 and
    J1 in junior; X closes in 2026. Block c names an unknown school."""
    sc = Scenario.model_validate(plan_data(
        [school("S1", 0), school("S2", 500), school("X", 900),
         school("J1", 300, kind="junior")],
        [cohort_block("b", 100, {"2026": [5] * 9, "2027": [5] * 9},
                      current_school={"2-3": "S2", "4": "X", "5-6": "S1", "junior": "J1"}),
         cohort_block("c", 200, {"2026": [0, 4] + [0] * 7, "2027": [0, 0, 4] + [0] * 6},
                      current_school={"primary": "Q"})],
        layout=[{"op": "close", "school": "X", "year": 2026}]))
    ys = build_year(sc, 2026, 2026, {})
    state = CohortState.for_plan(sc, [2026, 2027])
    return cohort_scenario(ys.scenario, 2026, ys.layout, state, first=True)


def test_units_pair_the_kth_school_of_each_level_then_former_schools():
    year_sc, drafts = first_year_units()
    units = {u.id: u for u in year_sc.blocks}
    assert list(units) == ["b", "b@S1+J1", "b@S2", "b^X", "c"]
    assert units["b"].students == [5, 0, 0, 0, 0, 0, 5, 0, 0]  # the intakes, free
    assert units["b@S1+J1"].students == [0, 0, 0, 0, 5, 5, 0, 5, 5]
    assert units["b@S2"].students == [0, 5, 5, 0, 0, 0, 0, 0, 0]
    assert units["b^X"].students == [0, 0, 0, 5, 0, 0, 0, 0, 0]
    assert units["b^X"].current_school == {"primary": "X"}  # priced from its closed school
    assert units["c"].students == [0, 4] + [0] * 7  # an unknown school: free
    assert all(units[u].current_school is None for u in ("b", "b@S1+J1", "b@S2", "c"))
    assert [(lk.block, lk.level, lk.school) for lk in year_sc.options.locked] == [
        ("b@S1+J1", "junior", "J1"), ("b@S1+J1", "primary", "S1"), ("b@S2", "primary", "S2")]
    assert sum(u.students[g] for u in year_sc.blocks for g in range(9)) == 45 + 4
    assert drafts.unit_ids == list(units)
    assert drafts.grade.tolist() == list(range(1, 10)) + [2]
    assert [drafts.unit_ids[u] for u in drafts.unit.tolist()] == [
        "b", "b@S2", "b@S2", "b^X", "b@S1+J1", "b@S1+J1", "b", "b@S1+J1", "b@S1+J1", "c"]


def test_the_collector_is_paused_inside_and_restored_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()
