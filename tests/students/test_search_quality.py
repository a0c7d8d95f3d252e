"""The student search's plan quality: the regional search reaches known optima from poor
plans, fixes a class one pupil over the cap, adapts its region sizes, and every search
keeps its time limit."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocator import generate_scenario, parse_scenario
from allocator.model.budget import Budget
from allocator.pipeline.prepare import prepare
from allocator.students.regions import (
    RegionSearch,
    cheapest_arcs,
    improve_by_regions,
    region_kinds,
    units_kind,
)
from allocator.students.repair import Loads, loads_cost, search_penalties
from allocator.students.search import WHOLE_TIME_UNITS
from tests.conftest import block, scenario, school, solve_students


def parts(sc):
    """(instance, units, arcs) of a scenario's student problem."""
    pr = prepare(sc, stage="students").students
    return pr.instance, pr.units, pr.arcs


def second_plan(units, arcs) -> np.ndarray:
    """Each unit on its second cheapest candidate arc: a poor plan, every unit misplaced."""
    start = arcs.start(len(units))
    return np.array([start[u] + int(np.argsort(arcs.cost[start[u]: start[u + 1]],
                                               kind="stable")[1])
                     for u in range(len(units))], dtype=np.int64)


def cost_of(inst, units, arcs, choice) -> int:
    return loads_cost(Loads(inst, units, arcs, choice, search_penalties(inst, False)), choice)


def _line_county(n_schools: int = 10, per_school: int = 40):
    # every block sits at a school with room for all: the optimum sends each block to the
    # school at its site, travel 0 (and nothing else costs)
    schools = [school(f"S{i}", 2000.0 * i, rooms=12) for i in range(n_schools)]
    blocks = [block(f"b{i}_{k}", 2000.0 * i, grades={1: 3, 2: 2})
              for i in range(n_schools) for k in range(per_school)]
    return scenario(schools, blocks)


@pytest.mark.parametrize("lanes", [1, 2])
def test_the_search_reaches_the_optimum_of_a_county_from_a_poor_plan(lanes):
    inst, units, arcs = parts(_line_county())
    assert len(units) > WHOLE_TIME_UNITS  # the regional search does the work
    poor = second_plan(units, arcs)
    assert cost_of(inst, units, arcs, poor) > 0
    budget = Budget(time_limit=20.0, workers=2, seed=0).started()
    plan, stats = improve_by_regions(inst, units, arcs, poor, strict=False, budget=budget,
                                     on_improve=lambda c: c == 0, lanes=lanes)
    assert cost_of(inst, units, arcs, plan) == 0
    sidx = inst.school_index()
    own = np.array([sidx["S" + inst.block_ids[b].split("_")[0][1:]] for b in units.block])
    assert (arcs.school[plan] == own).all()
    assert stats["regions_improved"] >= 1


def _one_pupil_over():
    # A has two classrooms: grade 1 (45 + 1 pupils) and grade 2 (40). With the single
    # pupil at A, grade 1 needs a second class (a third room) or one pupil over the cap:
    # the penalty of one pupil over (100 pupil-km). B, 1 km away, has room: the optimum
    # sends that pupil there (1 pupil-km).
    return scenario([school("A", 0, rooms=2), school("B", 1000)],
                    [block("a1", 0, grades={1: 45}), block("a2", 0, grades={2: 40}),
                     block("one", 0, grades={1: 1})])


def test_a_region_fixes_a_class_one_pupil_over_the_cap():
    inst, units, arcs = parts(_one_pupil_over())
    start = arcs.start(len(units))
    at_a = np.array([start[u] + int(np.flatnonzero(arcs.school[start[u]: start[u + 1]]
                                                  == 0)[0]) for u in range(len(units))])
    rs = RegionSearch(inst, units, arcs, at_a, strict=False, seed=0)
    assert rs.loads.penalty[0] > 0 and rs.cost() == rs.loads.penalty[0]
    gain, status, _ = rs.solve_region(np.array([0, 1]), time_limit=5, workers=1)
    assert status == "optimal" and gain > 0
    one = int(np.flatnonzero(np.asarray(inst.block_ids)[units.block] == "one")[0])
    assert arcs.school[rs.choice[one]] == 1  # the single pupil goes to B
    assert rs.loads.penalty.sum() == 0
    assert rs.cost() == arcs.cost[rs.choice[one]] > 0
    # solved again unchanged, the region is known to be optimal and is skipped
    assert rs.solve_region(np.array([0, 1]), time_limit=5, workers=1)[1] == "skipped"
    # and the whole stage (CP-SAT on this small model) agrees and proves it
    r = solve_students(_one_pupil_over())
    assert r.status == "optimal" and r.objective == pytest.approx(rs.cost() / 100)


def test_regions_double_after_a_sweep_without_gain_up_to_their_largest_size():
    near, mixed = region_kinds(150, 400, n_schools=3)
    assert near.size == 150 and mixed.size == 400
    for _ in range(3):  # a sweep is one region per school: three here
        assert near.size == 150
        near.record(0, "optimal")
    assert near.size == 300 and near.idle == 0
    near.record(0, "feasible")  # a region cut by its time limit (share not given): no shrink
    near.record(0, "skipped")
    near.record(0, "optimal")
    assert near.size == 400
    assert not near.grow() and near.size == 400
    assert region_kinds(150, 40, n_schools=3)[0].size == 40  # never above the plan's units


def test_regions_never_return_a_worse_plan_and_stop_when_proven():
    inst, units, arcs = parts(_one_pupil_over())
    start = arcs.start(len(units))
    budget = Budget(time_limit=20.0, workers=1, seed=0).started()
    t = time.perf_counter()
    plan, stats = improve_by_regions(inst, units, arcs, start[:-1].copy(), strict=False,
                                     budget=budget)
    # two schools: once the whole plan is a region proven optimal, the search ends early
    assert time.perf_counter() - t < 10
    assert cost_of(inst, units, arcs, plan) <= cost_of(inst, units, arcs, start[:-1])
    assert stats["regions_solved"] >= 1


@pytest.mark.parametrize("limit", [3.0, 6.0])
def test_a_solve_keeps_its_time_limit(limit):
    # about 1,700 units: above the size CP-SAT takes whole, so warm start, decomposition
    # bound and regions all share the limit
    sc = parse_scenario(generate_scenario(40, 800, seed=5, tight=True))
    t = time.perf_counter()
    r = solve_students(sc, time_limit=limit)
    wall = time.perf_counter() - t
    assert r.status in ("optimal", "feasible")
    assert wall <= limit + max(2.0, 0.05 * limit), wall


def test_freed_units_move_over_their_cheapest_arcs_and_prove_nothing():
    inst, units, arcs = parts(_one_pupil_over())
    start = arcs.start(len(units))
    at_a = np.array([start[u] + int(np.flatnonzero(arcs.school[start[u]: start[u + 1]]
                                                  == 0)[0]) for u in range(len(units))])
    cheap = cheapest_arcs(arcs, len(units), k=1)
    assert np.bincount(arcs.unit[cheap], minlength=len(units)).tolist() == [1] * len(units)
    one = int(np.flatnonzero(np.asarray(inst.block_ids)[units.block] == "one")[0])
    rs = RegionSearch(inst, units, arcs, at_a, strict=False, seed=0)
    only_one = np.zeros(len(units), dtype=bool)  # "one" and a2 free (a region needs two)
    only_one[[one, int(np.flatnonzero(np.asarray(inst.block_ids)[units.block] == "a2")[0])]] = True
    b_arc = np.zeros(len(arcs), dtype=bool)
    b_arc[start[one] + np.flatnonzero(arcs.school[start[one]: start[one + 1]] == 1)] = True
    # the freed unit may use only the arcs given: at its cheapest (school A) it stays put
    assert rs.solve_region(np.array([0, 1]), 5, 1, movers=only_one, arc_ok=cheap)[0] == 0
    gain, status, _ = rs.solve_region(np.array([0, 1]), 5, 1, movers=only_one, arc_ok=b_arc)
    assert gain > 0 and arcs.school[rs.choice[one]] == 1
    assert not rs.is_proven(np.array([0, 1]))  # a restricted sub-solve proves nothing
    assert units_kind(500).size == 30 and units_kind(20).high == 20


def test_regions_take_the_cores_the_bound_race_leaves(monkeypatch):
    from allocator.students import stage

    monkeypatch.setattr(stage.os, "cpu_count", lambda: 2)
    assert stage.region_lanes(8, racing=False) == 2
    assert stage.region_lanes(8, racing=True) == 1  # SCIP has the other core
    assert stage.region_lanes(1, racing=False) == 1  # never more than the workers asked
    monkeypatch.setattr(stage.os, "cpu_count", lambda: 16)
    assert stage.region_lanes(8, racing=True) == stage.MAX_LANES
    monkeypatch.setattr(stage.os, "cpu_count", lambda: None)
    assert stage.region_lanes(8, racing=False) == 1
