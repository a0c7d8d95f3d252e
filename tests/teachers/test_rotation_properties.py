"""Generated rosters: every rotation the stage returns passes `verify`, its bounds hold, and
the LP bound with pricing equals the LP over every admissible arc."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import solve as solve_all
from allocator.io.generate import generate_county
from allocator.model.loading import parse_scenario
from allocator.model.policy import resolve_policy
from allocator.rules.staffing import plan_from_today
from allocator.teachers import lp as rotation_lp
from allocator.teachers.lp import relax
from allocator.teachers.model import initial_windows
from allocator.teachers.roster import build_roster
from allocator.verification import verify_result
from tests.conftest import block, doc, scenario, school

KINDS = {"primary": (1, 6), "junior": (7, 9), "nine_year": (1, 9), "teaching_point": (1, 3)}
SUBJECTS = ["chinese", "math", "english", "pe"]


@st.composite
def rosters(draw):
    n = draw(st.integers(2, 5))
    schools, blocks, levels = [], [], []
    for i in range(n):
        kind = draw(st.sampled_from(list(KINDS)))
        lo, hi = KINDS[kind]
        x = draw(st.integers(0, 12)) * 1000
        strength = draw(st.one_of(st.none(), st.integers(10, 90)))
        schools.append(school(f"S{i}", x, kind=kind, urban=draw(st.booleans()),
                              group=draw(st.sampled_from(["G1", "G2", None])),
                              **({"strength": strength} if strength is not None else {})))
        grades = {g: draw(st.integers(0, 50)) for g in range(lo, hi + 1)}
        blocks.append(block(f"b{i}", x + 5, grades=grades,
                            current_school={"primary": f"S{i}", "junior": f"S{i}"}))
        levels.append([lv for lv, (a, b) in (("primary", (1, 6)), ("junior", (7, 9)))
                       if a <= hi and b >= lo])
    teachers = []
    for k in range(draw(st.integers(0, 30))):
        i = draw(st.integers(0, n - 1))
        teachers.append({
            "id": f"T{k}", "school": f"S{i}", "level": draw(st.sampled_from(levels[i])),
            "subject": draw(st.sampled_from(SUBJECTS)),
            "title": draw(st.sampled_from(["senior", "intermediate", "junior", "none"])),
            "backbone": draw(st.booleans()), "volunteer": draw(st.booleans()),
            "years_at_school": draw(st.integers(0, 12)), "age": draw(st.integers(25, 59)),
            "sex": draw(st.sampled_from(["male", "female"])),
            **({"exempt": e} if (e := draw(st.sampled_from(
                [None, None, None, "pregnancy", "training"]))) else {})})
    overrides = {
        "rotation.direction": draw(st.sampled_from(
            ["urban_to_rural_or_strong_to_weak", "urban_to_rural", "strong_to_weak",
             "within_group", "any"])),
        "rotation.quota": draw(st.sampled_from([0.1, 0.3, 0.6])),
        "rotation.quota_per_school": draw(st.booleans()),
        "rotation.backbone_basis": draw(st.sampled_from(["rotating", "eligible_backbone"])),
        "rotation.max_sending_share": draw(st.sampled_from([0.15, 0.3, 0.5])),
        "rotation.one_for_one": draw(st.booleans()),
        "rotation.max_distance_km": draw(st.sampled_from([None, 6.0])),
    }
    if draw(st.booleans()):
        overrides["staffing.subject_teachers_per_class"] = {"primary": {"english": 0.3}}
    sc = scenario(schools, blocks, teachers=teachers,
                  policy={"overrides": {k: v for k, v in overrides.items() if v is not None}})
    return sc, draw(st.booleans())


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rosters())
def test_generated_rotations_verify(case):
    sc, strict = case
    if not sc.teachers:
        return
    r = solve_all(sc, stage="teachers", strict=strict, time_limit=5)
    report = verify_result(sc, r)
    assert report.ok, [str(p) for p in report.problems]
    t = doc(r)["teachers"]
    assert t["lower_bound"] <= t["objective"] + 1e-9
    assert t["shortfall"]["lower_bound"] <= t["shortfall"]["weighted"]
    shortfalls = [v for v in r.violations if v.rule in (
        "staffing_ratio", "senior_title", "rotation_quota", "rotation_backbone_share")]
    assert (t["status"] in ("optimal", "feasible")) == (not strict or not shortfalls)


@pytest.fixture(scope="module")
def county_roster():
    sc = parse_scenario(generate_county(40, 500, seed=2, teachers=True))
    pol = resolve_policy()
    plan, _ = plan_from_today(sc, pol, sc.schools)
    return build_roster(sc, pol, sc.schools, plan)


@pytest.mark.parametrize("phase", [1, 2])
def test_pricing_reaches_the_lp_over_every_arc(county_roster, monkeypatch, phase):
    ro = county_roster
    windows = initial_windows(ro)
    full = relax(ro, ro.admissible.copy(), windows, phase, None if phase == 1 else 10**6,
                 time.perf_counter() + 60)
    monkeypatch.setattr(rotation_lp, "FULL_ARCS", 0)  # force pruning: k nearest and needy
    cand = rotation_lp.initial_candidates(ro, k=2)
    assert cand.sum() < 0.5 * ro.admissible.sum()
    priced = relax(ro, cand, windows, phase, None if phase == 1 else 10**6,
                   time.perf_counter() + 60, max_rounds=50)
    assert priced.rounds > 1 and priced.added > 0
    assert priced.margin >= 0
    assert priced.bound == pytest.approx(full.bound, rel=1e-7, abs=1e-6)


def test_reduced_costs_match_the_lps_own(county_roster):
    """The pricing formula gives the LP's reduced costs for arcs already in the model."""
    from allocator.teachers.lp import reduced_costs, solve_lp
    from allocator.teachers.model import build_model

    ro = county_roster
    g, j = np.nonzero(ro.admissible)
    model = build_model(ro, g, j, initial_windows(ro))
    value, y, x = solve_lp(model, 2)
    rc = reduced_costs(ro, model, y, 2, g, j)
    assert (rc >= -1e-6 * max(1, abs(value))).all() or np.allclose(
        x[:len(g)][rc < -1e-6], np.minimum(ro.groups.size[g], ro.send_cap[ro.groups.school[g]])[
            rc < -1e-6])
    basic = (x[:len(g)] > 1e-7) & (x[:len(g)] < np.minimum(
        ro.groups.size[g], ro.send_cap[ro.groups.school[g]]) - 1e-7)
    assert np.abs(rc[basic]).max(initial=0) < 1e-6 * max(1, abs(value))


def test_rotation_benchmark_smoke():
    from benchmarks.rotation_speed import bench_rotation

    row = bench_rotation(12, 150, seed=3, time_limit=5, workers=2)
    assert row["teachers"] > 100 and row["status"] in ("optimal", "feasible")
    assert row["lower_bound"] <= row["objective"] and row["tier1_bound"] <= row["tier1"]
