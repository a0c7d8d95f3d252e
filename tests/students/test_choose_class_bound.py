"""The `choose` bound with whole classes (`students.choose.class_terms`): per candidate
min(0, f_j + v_j) under each operation's range, with v_j the school's sub-problem with whole
classes and units. It never exceeds a proven optimum, and it rises above the fractional
Lagrangian (`choose.bound`) where class rounding or fixed costs matter."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import generate_scenario, parse_scenario
from allocator.pipeline.prepare import prepare
from allocator.rules.objective import SCALE
from allocator.students.choose.bound import lagrangian_bound
from allocator.students.choose.class_terms import choose_class_bound
from allocator.students.choose.model import build_choose_model
from allocator.students.flow_bound import relax_with_pricing
from allocator.verification import verify_result
from tests.conftest import block, scenario, school, solve_students


def choose_bounds(sc, upper: int, seconds: float = 3.0, strict: bool = False
                  ) -> tuple[int, int | None, object]:
    """(the old bound: max of flow + cheapest fixed costs and the fractional Lagrangian,
    the whole-class bound, its full result) of a `choose` scenario; `upper` (a plan's
    cost, objective units) only sets the step lengths."""
    pr = prepare(sc, stage="students").students
    inst, units = pr.instance, pr.units
    cm = build_choose_model(inst, pr.layout)
    rel, arcs = relax_with_pricing(inst, units, pr.arcs, elastic=not strict)
    lag = lagrangian_bound(inst, units, cm, rel.unit_best, upper, strict, time_limit=seconds)
    lam0 = lag.mu * units.total
    now = time.perf_counter()
    cb = choose_class_bound(inst, units, arcs, cm, lam0, strict=strict, upper=upper,
                            deadline=now + seconds, hard_deadline=now + 2 * seconds)
    return max(rel.bound + cm.min_fixed(), lag.bound), cb.bound, cb


def _one_room_each(**choose):
    # V1 (at the blocks) and V2 (2 km away) have one classroom each; keep one of them. The
    # 60 grade-1 pupils of two blocks need two classes wherever they go: keeping V1 costs
    # one room short (1,000), keeping V2 that plus 60 pupils x 2 km (1,120). Fractional
    # classes see 15 pupils beyond 45 seats at a room's price per seat (about 22 each).
    return scenario([school("V1", 0, rooms=1), school("V2", 2000, rooms=1)],
                    [block("b1", 0, grades={1: 30}), block("b2", 0, grades={1: 30})],
                    layout=[{"op": "choose", "candidates": ["V1", "V2"], **choose}])


def test_class_rounding_lifts_the_choose_bound_to_the_optimum():
    sc = _one_room_each(keep=1)
    r = solve_students(sc)
    assert r.status == "optimal" and r.objective == pytest.approx(1000.0)
    assert [c.kept for c in r.layout.choose] == [["V1"]]
    old, new, cb = choose_bounds(sc, upper=round(r.objective * SCALE))
    assert old < 500 * SCALE  # blind to the second class
    assert new == pytest.approx(1000 * SCALE)  # whole classes: the optimum
    assert cb.open_mask.tolist() == [True, False]  # the Lagrangian keeps V1
    assert cb.value[0] > cb.value[1]  # and rates it above V2


def test_closing_every_candidate_is_seen_through_class_rounding():
    # C (no candidate, 10 km away, plenty of rooms and beds) or V1 / V2 next to the pupils
    # (one classroom each); closing both is allowed, each kept one costs 1,000,000 yuan x
    # 0.0004 = 400. The blocks' pupils are in grades 4-6 (they may board at C), so a
    # village school taking a block needs three classes in its one room (2,000 short):
    # the optimum closes both and sends everyone to C (75 pupils x 10 km = 750). Seen with
    # fractional classes, 45 pupils fill one room exactly and V1 looks worth keeping.
    grades = {4: 15, 5: 15, 6: 15}
    sc = scenario([school("C", 10000, rooms=30, beds=500), school("V1", 0, rooms=1),
                   school("V2", 0, rooms=1)],
                  [block("b1", 0, grades=grades), block("b2", 0, grades={4: 10, 5: 10, 6: 10})],
                  layout=[{"op": "choose", "candidates": ["V1", "V2"], "close_at_most": 2,
                           "fixed_cost": 1_000_000}],
                  options={"weights": {"fixed_cost": 0.0004}})
    r = solve_students(sc)
    assert r.status == "optimal" and r.objective == pytest.approx(750.0)
    assert [c.kept for c in r.layout.choose] == [[]]
    assert verify_result(sc, r).ok
    old, new, _ = choose_bounds(sc, upper=round(r.objective * SCALE))
    assert old < new <= 750 * SCALE


def test_strict_rules_the_bound_sees_the_rooms_a_village_school_lacks():
    # strict: C (10 km, rooms and beds to spare) is always open; keep one of V1 / V2 at
    # the blocks, one classroom each. Each block has pupils in three grades (three classes),
    # so no block fits a village school: all 75 pupils go to C (750), whichever is kept.
    # Fractional classes put one block's pupils into a village room's 45 seats.
    sc = scenario([school("C", 10000, rooms=30, beds=500), school("V1", 0, rooms=1),
                   school("V2", 0, rooms=1)],
                  [block("b1", 0, grades={4: 15, 5: 15, 6: 15}),
                   block("b2", 0, grades={4: 10, 5: 10, 6: 10})],
                  layout=[{"op": "choose", "candidates": ["V1", "V2"], "keep": 1}],
                  options={"strict": True})
    r = solve_students(sc)
    assert r.status == "optimal" and r.objective == pytest.approx(750.0)
    old, new, _ = choose_bounds(sc, upper=round(r.objective * SCALE), strict=True)
    assert old < new == 750 * SCALE


def _tiny_choose(seed: int, n_blocks: int, keep: int, fixed: int, **options) -> object:
    """Four schools (three candidates, two school groups) and a few blocks, placed by
    `seed`; `options` as the scenario's (investment mode, group intake)."""
    rng = random.Random(seed)
    schools = [school(f"S{i}", rng.uniform(0, 6000), rng.uniform(0, 6000),
                      rooms=rng.randint(1, 3), beds=rng.randint(0, 30),
                      group="g1" if i % 2 else "g2") for i in range(4)]
    blocks = [block(f"B{i}", rng.uniform(0, 8000), rng.uniform(0, 8000),
                    grades={g: rng.randint(0, 25) for g in (1, 2, 4, 5)},
                    group="g1" if i % 3 else "g2")
              for i in range(n_blocks)]
    return scenario(schools, blocks,
                    layout=[{"op": "choose", "candidates": ["S1", "S2", "S3"], "keep": keep,
                             "fixed_cost": fixed}],
                    options={"time_limit_s": 20, "weights": {"fixed_cost": 0.0005},
                             **options},
                    policy={"overrides": {"day_radius_km.primary.rural": 10.0}})


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10_000), n_blocks=st.integers(3, 6), keep=st.integers(1, 3),
       fixed=st.sampled_from([0, 200_000, 1_000_000]),
       options=st.sampled_from([{}, {"invest": True}, {"enrol_within_group": True}]))
def test_the_bound_never_exceeds_the_cp_sat_optimum(seed, n_blocks, keep, fixed, options):
    # every option the student model has for `choose`: elastic, investment mode (rule
    # prices change), group intake (arcs across groups priced); the soft day radius is on
    sc = _tiny_choose(seed, n_blocks, keep, fixed, **options)
    r = solve_students(sc)
    assert r.status == "optimal", r.message
    opt = round(r.objective * SCALE)
    old, new, _ = choose_bounds(sc, upper=opt, seconds=1.0)
    assert new is not None
    assert old <= opt + 1 and new <= opt, (old, new, opt)


def test_the_bound_keeps_its_deadline():
    d = generate_scenario(12, 400, seed=4)
    rural = sorted(s["id"] for s in d["schools"] if not s["urban"])[:8]
    d["layout"] = [{"op": "choose", "candidates": rural, "keep": 5, "fixed_cost": 300000}]
    d["options"] = {"weights": {"fixed_cost": 0.0005}}
    sc = parse_scenario(d)
    t = time.perf_counter()
    _, new, cb = choose_bounds(sc, upper=10**12, seconds=0.5)
    # the fractional Lagrangian's 0.5 s, then the decomposition's 0.5 s (+ one school
    # model and the arc pricing beyond its deadline at most)
    assert time.perf_counter() - t < 4.0
    assert cb.seconds < 1.5
