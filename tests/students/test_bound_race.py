"""The whole-class bound raced beside the search (`students.bound_race`): it stops when told
(before or during SCIP's solve), its bound stays valid, an error in its thread reaches the
caller, and a solve leaves no bound thread running."""

from __future__ import annotations

import threading
import time

import pytest

from allocator import generate_scenario, parse_scenario
from allocator.pipeline.prepare import prepare
from allocator.students import bound_race
from allocator.students.bound_race import JOIN_GRACE, Interrupter, racing
from allocator.students.county_bound import prove_county_bound
from allocator.students.flow_bound import relax_with_pricing
from allocator.students.hint import warm_start
from allocator.students.rows import build_schools
from tests.conftest import solve_students


def _relaxed(n_schools: int, n_blocks: int, seed: int):
    sc = parse_scenario(generate_scenario(n_schools, n_blocks, seed=seed))
    pr = prepare(sc, stage="students").students
    rel, arcs = relax_with_pricing(pr.instance, pr.units, pr.arcs, elastic=True)
    return pr, rel, arcs


def _bound_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "county-bound" and t.is_alive()]


def test_a_race_told_to_stop_ends_promptly_with_a_valid_bound():
    pr, rel, arcs = _relaxed(20, 600, seed=5)
    hint = warm_start(pr.instance, pr.units, arcs, rel, False, time_limit=1.0)
    _, _, pen = build_schools(pr.instance, pr.units, arcs, hint)
    plan_cost = int(arcs.cost[hint].sum()) + pen
    with racing(pr.instance, pr.units, arcs, rel, strict=False,
                deadline=time.perf_counter() + 120.0) as race:
        time.sleep(3.0)
        t = time.perf_counter()
        cb = race.finish()
        assert time.perf_counter() - t < JOIN_GRACE + 0.5
    assert not _bound_threads()
    assert cb.bound is None or cb.bound <= plan_cost  # a bound above a plan is a bug


def test_a_stopped_control_keeps_scip_from_starting():
    pr, rel, arcs = _relaxed(8, 200, seed=3)
    control = Interrupter()
    control.stop()
    t = time.perf_counter()
    cb = prove_county_bound(pr.instance, pr.units, arcs, rel, strict=False,
                            deadline=t + 30.0, control=control)
    assert cb.bound is None and time.perf_counter() - t < 5.0


def test_an_error_in_the_bound_thread_reaches_the_caller(monkeypatch):
    def fail(*args, **kwargs):
        raise ValueError("bound failed")

    monkeypatch.setattr(bound_race, "prove_county_bound", fail)
    pr, rel, arcs = _relaxed(8, 200, seed=3)
    with racing(pr.instance, pr.units, arcs, rel, strict=False,
                deadline=time.perf_counter() + 5.0) as race, \
            pytest.raises(ValueError, match="bound failed"):
        race.finish()


def test_a_solve_with_the_race_keeps_its_limit_and_leaves_no_thread():
    # ~400 units and a warm start far from the flow bound: the race runs beside the search
    sc = parse_scenario(generate_scenario(8, 200, seed=3) | {
        "options": {"time_limit_s": 6, "workers": 2}})
    t = time.perf_counter()
    r = solve_students(sc)
    assert time.perf_counter() - t < 6 + 2 + 3  # + prepare and report
    assert r.timings["search"] + r.timings["class_bound"] <= 6 + 2
    assert not _bound_threads()
    assert r.lower_bound <= r.objective + 1e-6
