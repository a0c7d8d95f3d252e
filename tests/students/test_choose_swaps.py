"""Open/closed swaps of `choose` (`students.choose.swaps`): a bad open set is swapped for a
better one by the flow screen and the fast assignment; the clock is kept; and a county
large enough for the decomposition reports its bound end to end within the time limit."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocator import generate_scenario, parse_scenario
from allocator.layout import apply_layout
from allocator.model.policy import resolve_policy
from allocator.students.arcs import build_candidates, build_units
from allocator.students.choose.model import (
    arc_index,
    build_choose_model,
    choose_arcs,
    complete_open,
    needy_units,
)
from allocator.students.choose.search import open_plan_cost
from allocator.students.choose.swaps import (
    SwapState,
    flow_score,
    improve_by_swaps,
    neighbour_sets,
    plan_on,
)
from allocator.students.problem import lock_map
from allocator.students.repair import search_penalties
from allocator.verification import verify_result
from tests.conftest import block, instance_of, scenario, school, solve_students

UPPER = {g: 10 for g in range(4, 7)}  # 30 pupils of grades 4-6 (they may board)


def _far_village_open():
    # C (no candidate) at 0; V1 at 9 km, V2 at 3 km; the blocks sit at 2.5-3.3 km; keep 1.
    # A plan with V1 open sends everyone to C (~2.9 km each); with V2 open they walk ~0.3 km
    sc = scenario([school("C", 0, beds=500, rooms=30), school("V1", 9000),
                   school("V2", 3000)], [block(f"b{i}", 2500 + 200 * i, grades=UPPER)
                                         for i in range(5)],
                  layout=[{"op": "choose", "candidates": ["V1", "V2"], "keep": 1}])
    inst = instance_of(sc)
    units = build_units(inst, lock_map(inst))
    cm = build_choose_model(inst, apply_layout(sc, resolve_policy()))
    arcs = choose_arcs(inst, units, build_candidates(inst, units, 8), cm, 8,
                       needy_units(inst, units, cm))
    return inst, units, cm, arcs


def test_neighbour_sets_keep_the_range():
    inst, _, cm, _ = _far_village_open()
    start = np.array([True, True, False])  # C, V1 open
    sets = [s.tolist() for s in neighbour_sets(cm, start, np.zeros(inst.n_schools))]
    assert sets == [[True, False, True]]  # keep 1: only the swap V1 -> V2


def test_swaps_replace_a_bad_open_set():
    inst, units, cm, arcs = _far_village_open()
    pen = search_penalties(inst, False)
    at_c = arc_index(arcs, inst.n_schools, np.arange(len(units)),
                     np.full(len(units), inst.school_index()["C"]))
    cost = open_plan_cost(inst, units, arcs, at_c, cm, pen)
    used = np.zeros(inst.n_schools, dtype=bool)
    used[arcs.school[at_c]] = True
    start = SwapState(arcs, at_c, cost, complete_open(cm, used))
    assert [inst.school_ids[j] for j in np.flatnonzero(start.open_mask)] == ["C", "V1"]
    bad = flow_score(inst, units, arcs, cm, start.open_mask, 8)
    good = flow_score(inst, units, arcs, cm, np.array([True, False, True]), 8)
    assert good < bad

    def plan(a, open_mask, seconds):
        grown, choice = plan_on(inst, units, a, open_mask, 8, False, seconds)
        return grown, choice, open_plan_cost(inst, units, grown, choice, cm, pen)

    stats: dict = {}
    t = time.perf_counter()
    st = improve_by_swaps(inst, units, cm, start, np.zeros(inst.n_schools), 8,
                          time.perf_counter() + 5, plan, stats)
    assert time.perf_counter() - t < 5.5
    assert [inst.school_ids[j] for j in np.flatnonzero(st.open_mask)] == ["C", "V2"]
    assert {inst.school_ids[st.arcs.school[a]] for a in st.choice} == {"V2"}
    assert st.cost < cost and stats["swap_wins"] == 1
    assert st.cost == open_plan_cost(inst, units, st.arcs, st.choice, cm, pen)


def test_swaps_keep_their_deadline():
    inst, units, cm, arcs = _far_village_open()
    at_c = arc_index(arcs, inst.n_schools, np.arange(len(units)),
                     np.full(len(units), inst.school_index()["C"]))
    used = np.zeros(inst.n_schools, dtype=bool)
    used[arcs.school[at_c]] = True
    start = SwapState(arcs, at_c, 1 << 40, complete_open(cm, used))
    stats: dict = {}
    st = improve_by_swaps(inst, units, cm, start, np.zeros(inst.n_schools), 8,
                          time.perf_counter() - 1, lambda *a: pytest.fail("no time"), stats)
    assert st is start and stats["swap_plans"] == 0


def test_a_choose_county_reports_the_whole_class_bound_within_its_time_limit():
    # about 500 units: above the size CP-SAT takes whole, so the decomposition runs
    d = generate_scenario(12, 300, seed=4)
    rural = sorted(s["id"] for s in d["schools"] if not s["urban"])[:8]
    d["layout"] = [{"op": "choose", "candidates": rural, "keep": 5, "fixed_cost": 300000}]
    d["options"] = {"time_limit_s": 8, "workers": 2, "weights": {"fixed_cost": 0.0005}}
    sc = parse_scenario(d)
    t = time.perf_counter()
    r = solve_students(sc)
    assert time.perf_counter() - t <= 8 + 2.0
    assert r.solver.units > 300
    assert r.solver.class_bound is not None and r.solver.class_bound_steps >= 1
    assert r.solver.lagrange_bound is not None
    assert r.lower_bound >= max(r.solver.class_bound, r.solver.lagrange_bound) - 1e-6
    assert r.lower_bound <= r.objective + 1e-6
    (c,) = r.layout.choose
    assert len(c.kept) == 5
    assert verify_result(sc, r).ok
