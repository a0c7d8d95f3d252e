"""Investment mode: hand-made schools whose cheapest classrooms and beds are known, the relief
of each violation without `invest`, the flow bound under `invest`, verify accepting both."""

from __future__ import annotations

import numpy as np
import pytest

from allocator import resolve_policy
from allocator.model.result import Violation
from allocator.rules.investment import capacity_prices, investment_units
from allocator.rules.objective import penalty_units
from allocator.students.invest import settle_capacity
from allocator.verification import verify_result
from tests.conftest import block, instance_of, scenario, school, solve_students

ROOM_UNITS = 7500  # 300000 yuan / 20 years x 0.005 pupil-km per yuan x 100 units
BED_UNITS = 300  # 12000 yuan / 20 years x 0.005 x 100


def solved(schools, blocks, invest, **kw):
    sc = scenario(schools, blocks, options={"invest": invest}, **kw)
    r = solve_students(sc)
    report = verify_result(sc, r)
    assert report.ok, [str(p) for p in report.problems]
    return r


def test_default_unit_costs_in_objective_units():
    sc = scenario([school("A", 0)], [block("b", 0, grades={1: 1})])
    policy = resolve_policy(sc.policy.profile)
    assert investment_units(policy) == {"classrooms": ROOM_UNITS, "boarding_beds": BED_UNITS}
    pen = penalty_units(policy)
    assert capacity_prices(policy, False) == pen
    assert capacity_prices(policy, True) == {**pen, "classrooms": ROOM_UNITS,
                                             "boarding_beds": BED_UNITS}


def test_a_missing_classroom_is_built_or_relieved():
    schools = [school("A", 0, rooms=2)]
    blocks = [block("b", 100, grades={1: 45, 2: 45, 3: 45})]
    plain = solved(schools, blocks, invest=False)
    [v] = plain.violations
    assert (v.rule, v.amount) == ("classrooms", 1)
    assert (v.relief.classrooms, v.relief.beds) == (1, 0)
    assert (v.relief.cost_yuan, v.relief.annual_cost_yuan) == (300000.0, 15000.0)
    assert plain.objective == pytest.approx(13.5 + 1000) and not plain.investments
    inv = solved(schools, blocks, invest=True)
    assert inv.violations == [] and inv.invest
    [i] = inv.investments
    assert (i.school, i.what, i.level, i.count, i.cost_yuan) == ("A", "classrooms", None, 1,
                                                                300000.0)
    assert inv.objective == pytest.approx(13.5 + 75) and inv.status == "optimal"
    assert inv.objective_terms.investment == 75 and inv.investments_total.classrooms == 1


def test_beds_for_far_boarders():
    schools = [school("A", 0, beds=10)]
    blocks = [block("far", 10_000, grades={4: 30})]  # 10 km: beyond the 3 km day radius
    plain = solved(schools, blocks, invest=False)
    [v] = plain.violations
    assert (v.rule, v.amount, v.relief.beds, v.relief.cost_yuan) == ("boarding_beds", 20, 20,
                                                                     240000.0)
    inv = solved(schools, blocks, invest=True)
    assert inv.violations == []
    [i] = inv.investments
    assert (i.what, i.count, i.annual_cost_yuan) == ("beds", 20, 12000.0)
    assert inv.investments_total.objective == pytest.approx(20 * BED_UNITS / 100)


def test_a_class_over_the_cap_is_relieved_by_a_room():
    schools = [school("A", 0, rooms=2)]
    blocks = [block("b", 100, grades={1: 50, 2: 45})]
    plain = solved(schools, blocks, invest=False)
    [v] = plain.violations  # 5 over the cap cost 500 < a room beyond the stock (1000)
    assert (v.rule, v.grade, v.amount, v.relief.classrooms) == ("class_size_cap", 1, 5, 1)
    inv = solved(schools, blocks, invest=True)
    assert inv.violations == [] and [(i.what, i.count) for i in inv.investments] == [
        ("classrooms", 1)]
    assert inv.schools[0].classes_by_grade[:2] == [2, 1]


def test_the_size_cap_has_no_relief_and_is_not_bought():
    schools = [school("A", 0, rooms=10, max_students=100)]
    blocks = [block("b", 100, grades={1: 60, 2: 60})]
    for invest in (False, True):
        r = solved(schools, blocks, invest=invest)
        [v] = r.violations
        assert v.rule == "school_size_cap" and v.relief is None and not r.investments


def test_rooms_counted_per_level_are_built_for_their_level():
    nine = school("N", 0, kind="nine_year", rooms=None,
                  classrooms_by_level={"primary": 1, "junior": 6})
    nine.pop("classrooms")
    r = solved([nine], [block("b", 100, grades={1: 40, 2: 40, 7: 40})], invest=True)
    assert [(i.what, i.level, i.count) for i in r.investments] == [("classrooms", "primary", 1)]


def test_dear_investments_leave_the_penalty():
    schools = [school("A", 0, rooms=2)]
    blocks = [block("b", 100, grades={1: 45, 2: 45, 3: 45})]
    r = solved(schools, blocks, invest=True,
               policy={"profile": "cn-national",
                       "overrides": {"investment.classroom_yuan": 100_000_000}})
    [v] = r.violations
    assert v.rule == "classrooms" and v.relief.cost_yuan == 100_000_000 and not r.investments


def tight_county(seed: int) -> tuple[list[dict], list[dict]]:
    """Five schools short of rooms and beds; nine blocks within 1.5 km of a school and three
    anywhere with grades 4-6 only (they may board): a small instance CP-SAT solves to
    optimality over every arc."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 12000, size=(5, 2))
    schools = [school(f"S{j}", float(x), float(y), rooms=int(rng.integers(2, 6)),
                      beds=int(rng.integers(0, 20))) for j, (x, y) in enumerate(xy)]
    blocks = []
    for i in range(12):
        if i < 9:
            x, y = xy[i % 5] + rng.uniform(-1000, 1000, size=2)
            grades = {g: int(rng.integers(5, 40)) for g in range(1, 7)}
        else:
            x, y = rng.uniform(0, 12000, size=2)
            grades = {g: int(rng.integers(5, 30)) for g in range(4, 7)}
        blocks.append(block(f"b{i}", float(x), float(y), grades=grades))
    return schools, blocks


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flow_bound_stays_below_the_optimum_under_invest(seed):
    schools, blocks = tight_county(seed)
    for invest in (False, True):
        sc = scenario(schools, blocks, options={"invest": invest, "candidates_k": 5,
                                                "workers": 1, "time_limit_s": 20})
        r = solve_students(sc)
        assert verify_result(sc, r).ok
        flow = r.solver.flow_bound
        assert flow is not None and flow <= r.objective + 1e-6
        if r.status == "optimal":  # every arc a candidate: the optimum of the problem
            assert r.gap == 0 and flow <= r.objective + 1e-6
    # investing never costs more than paying the penalties for the same plan
    plain = solve_students(scenario(schools, blocks, options={"candidates_k": 5}))
    inv = solve_students(scenario(schools, blocks, options={"invest": True, "candidates_k": 5}))
    assert inv.objective <= plain.objective + 1e-6


def test_a_relief_counts_the_classrooms_the_plan_builds():
    # a classroom at 2,000,000 yuan costs 500 pupil-km a year: dearer than 2 pupils over the
    # cap (200), cheaper than a class without a room (1000)
    r = solved([school("A", 0, rooms=1)], [block("b", 100, grades={1: 47, 2: 45, 3: 45})],
               invest=True, policy={"profile": "cn-national",
                                    "overrides": {"investment.classroom_yuan": 2_000_000}})
    assert [(i.what, i.count) for i in r.investments] == [("classrooms", 2)]
    [v] = r.violations
    assert (v.rule, v.grade, v.amount) == ("class_size_cap", 1, 2)
    assert v.relief.classrooms == 1  # one more room besides the two built


def test_a_rule_no_capacity_change_removes_has_no_relief():
    sc = scenario([school("A", 0, rooms=2)], [block("b", 100, grades={1: 45, 2: 45, 3: 45})])
    r = solve_students(sc)
    other = Violation(rule="young_beyond_day_radius", subject="b", amount=3.5, unit="km",
                      message="3 pupils below grade 4 walk 3.5 km beyond the day radius")
    kept, investments, _ = settle_capacity(instance_of(sc), r.schools,
                                           [*r.violations, other])
    assert kept[-1].relief is None and kept[0].relief.classrooms == 1 and not investments
