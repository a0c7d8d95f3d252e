"""The frozen reference set (benchmarks/reference): well-formed, its plans re-evaluate to
the frozen values, and no bound we compute exceeds a known plan (that would be a bug)."""

from __future__ import annotations

import time

import pytest

from allocator import solve
from allocator.pipeline.prepare import prepare
from allocator.rules.objective import SCALE
from allocator.students.class_bound import class_bound
from allocator.students.county_bound import prove_county_bound
from allocator.students.flow_bound import relax_with_pricing
from allocator.students.hint import warm_start
from allocator.students.rows import build_schools
from benchmarks.__main__ import main as bench_main
from benchmarks.reference_suite import (
    build_scenario,
    closed_share,
    evaluate_plan,
    load_reference,
    read_plan,
    reference_markdown,
)

ENTRIES = {e["name"]: e for e in load_reference()["instances"]}
SMALL = ["rural-county", "urban-district", "S-tight"]


def test_every_value_says_where_it_comes_from():
    for e in ENTRIES.values():
        assert e["target_time_limit_s"] > 0 and e["built"].get("sha256")
        for key in ("best_plan", "best_bound", "flow_bound"):
            v = e.get(key)
            if v is None:
                continue  # not measured
            assert {"solver", "command", "date", "valid_for"} <= set(v), (e["name"], key)
        for run in e["runs"]:
            assert run.get("date") and run.get("objective_valid_for"), e["name"]
        if e["best_plan"] is not None:
            assert "current model" in e["best_plan"]["valid_for"]
            assert read_plan(e["name"]) is not None


@pytest.mark.parametrize("name", SMALL)
def test_stored_plans_re_evaluate_to_the_frozen_objective(name):
    e = ENTRIES[name]
    value, flags = evaluate_plan(build_scenario(e), read_plan(name))
    assert flags == []
    assert value == pytest.approx(e["best_plan"]["objective"], abs=0.01)


@pytest.mark.parametrize("name", [SMALL[0]] + [pytest.param(n, marks=pytest.mark.slow)
                                                for n in SMALL[1:]])
def test_no_bound_exceeds_a_known_plan(name):
    e = ENTRIES[name]
    best = round(e["best_plan"]["objective"] * SCALE)
    pr = prepare(build_scenario(e), stage="students").students
    inst, units = pr.instance, pr.units
    rel, arcs = relax_with_pricing(inst, units, pr.arcs, elastic=True)
    assert rel.bound <= best
    assert rel.bound == pytest.approx(e["flow_bound"]["value"] * SCALE, abs=1)
    hint = warm_start(inst, units, arcs, rel, False, time_limit=1.0)
    _, _, pen = build_schools(inst, units, arcs, hint)
    now = time.perf_counter()
    cb = class_bound(inst, units, arcs, rel, strict=False,
                     upper=int(arcs.cost[hint].sum()) + pen, deadline=now + 3.0,
                     hard_deadline=now + 6.0)
    assert cb.bound is not None and cb.bound <= best
    county = prove_county_bound(inst, units, arcs, rel, strict=False,
                                deadline=time.perf_counter() + 10.0)
    assert county.bound is not None and county.bound <= best


def test_the_choose_bound_stays_below_its_plan():
    sc = build_scenario(ENTRIES["consolidation-choose"], time_limit=5.0, workers=2)
    r = solve(sc, stage="students")
    assert r.status in ("optimal", "feasible")
    assert r.lower_bound <= r.objective + 1e-6


def test_closed_share():
    assert closed_share(165.0, 160.0, 170.0) == pytest.approx(0.5)
    assert closed_share(None, 160.0, 170.0) is None
    assert closed_share(165.0, 160.0, None) is None


def test_the_suite_prints_its_table(capsys):
    code = bench_main(["run", "--suite", "reference", "--only", "urban-district",
                       "--time-scale", "0.1", "--workers", "2", "--no-save"])
    assert code == 0
    out = capsys.readouterr().out
    assert "| urban-district | 6 |" in out and "best known plan" in out


def test_an_unknown_instance_is_bad_input(capsys):
    assert bench_main(["run", "--suite", "reference", "--only", "nowhere", "--no-save"]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_markdown_says_not_measured():
    md = reference_markdown([{"name": "x", "time_limit_s": 1, "objective": 10.0,
                              "best_plan": None, "excess": None, "lower_bound": 9.0,
                              "flow_bound": 8.0, "best_bound": None, "closed": None,
                              "gap": 0.1, "wall_s": 1.0, "load": 0.5}])
    assert "not measured" in md
