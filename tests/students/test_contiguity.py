"""The closer-neighbour rule (option contiguity) and each catchment's number of parts.

A 3 x 3 grid of 1 km square blocks (b0 south-west ... b8 north-east); school A near the
west-middle block, B in the east-middle block. A is one pupil over its size cap. Without the
rule the cheapest fix sends the one-pupil corner block b0 to B, an island inside A's area;
with the rule a block next to B's catchment moves instead.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import box, mapping

from allocator.model.geometry import block_adjacency
from allocator.students.arcs import build_candidates, build_units
from allocator.students.contiguity import build_rule, repair_plan, violating_units, whole_clauses
from allocator.students.problem import lock_map
from allocator.students.regions import RegionSearch
from tests.conftest import doc, instance_of, scenario, school, solve_students


def grid_blocks(current: dict[str, str] | None = None) -> list[dict]:
    out = []
    for i in range(9):
        x, y = (i % 3) * 1000, (i // 3) * 1000
        counts = [0] * 9
        counts[3] = 1 if i == 0 else 30  # grade 4: may board
        rec = {"id": f"b{i}", "geometry": mapping(box(x, y, x + 1000, y + 1000)),
               "students": counts}
        if current and f"b{i}" in current:
            rec["current_school"] = {"primary": current[f"b{i}"]}
        out.append(rec)
    return out


def grid_scenario(contiguity: bool, current: dict[str, str] | None = None):
    return scenario([school("A", 700, 1450, max_students=150, beds=200),
                     school("B", 2500, 1500, beds=200)], grid_blocks(current),
                    options={"contiguity": contiguity, "weights": {"stability": 0}})


def plan(result) -> dict[str, str]:
    return {a.block: a.school for a in result.assignments}


def parts(result) -> dict[str, int]:
    return {c.school: c.parts for c in result.catchments}


def test_adjacency_of_the_grid():
    edges = block_adjacency(grid_scenario(False))
    assert len(edges) == 12


def test_without_the_rule_an_island_appears_and_is_reported():
    r = solve_students(grid_scenario(False))
    assert r.status == "optimal"
    assert plan(r)["b0"] == "B"
    assert parts(r) == {"A": 1, "B": 2}
    c = {x.school: x for x in r.catchments}
    assert (c["B"].blocks, c["B"].pupils, c["B"].level) == (4, 91, "primary")


def test_the_rule_keeps_catchments_in_one_piece_at_a_cost():
    free = solve_students(grid_scenario(False))
    r = solve_students(grid_scenario(True))
    assert r.status == "optimal" and not r.violations
    assert plan(r)["b0"] == "A"
    assert parts(r) == {"A": 1, "B": 1}
    assert r.objective > free.objective
    assert doc(r)["solver"]["contiguity_constrained_arcs"] > 0


def test_a_block_that_is_an_island_today_may_stay_one():
    r = solve_students(grid_scenario(True, current={"b0": "B"}))
    assert plan(r)["b0"] == "B"
    assert parts(r)["B"] == 2


def model_parts(contiguity: bool = True):
    sc = grid_scenario(contiguity)
    inst = instance_of(sc)
    units = build_units(inst, lock_map(inst))
    arcs = build_candidates(inst, units, 8)
    rule = build_rule(inst, units, arcs, block_adjacency(sc))
    return inst, units, arcs, rule


def island_plan(units, arcs) -> np.ndarray:
    """Everyone at the nearest school except b0 (unit 0) at B."""
    start = arcs.start(len(units))
    choice = start[:-1].copy()
    b_arc = start[0] + int(np.flatnonzero(arcs.school[start[0]:start[1]] == 1)[0])
    choice[0] = b_arc
    return choice


def test_rule_data_nearest_arcs_are_exempt_and_b0_needs_support():
    inst, units, arcs, rule = model_parts()
    start = arcs.start(len(units))
    assert rule.exempt[start[:-1]].all()
    choice = island_plan(units, arcs)
    assert violating_units(rule, arcs, choice).tolist() == [0]
    sup = rule.supports(int(choice[0]))
    assert {inst.block_ids[units.block[arcs.unit[a]]] for a in sup} == {"b1", "b3"}
    assert len(whole_clauses(rule)) == int(rule.constrained.sum())


def test_repair_moves_the_island_home():
    inst, units, arcs, rule = model_parts()
    fixed = repair_plan(inst, units, arcs, island_plan(units, arcs), rule)
    assert len(violating_units(rule, arcs, fixed)) == 0
    assert arcs.school[fixed[0]] == 0


def test_region_search_keeps_the_rule_with_outside_units_fixed():
    inst, units, arcs, rule = model_parts()
    start = arcs.start(len(units))
    rs = RegionSearch(inst, units, arcs, start[:-1].copy(), strict=False, seed=0,
                      contiguity=rule)
    gain, status, _ = rs.solve_region(np.array([0, 1]), time_limit=5, workers=2)
    assert gain > 0 and status == "optimal"  # A's overload is fixed
    assert len(violating_units(rule, arcs, rs.choice)) == 0
    assert arcs.school[rs.choice[0]] == 0
