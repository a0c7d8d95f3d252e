"""Time limits are kept: a solve returns within its limit plus max(2 s, 5 %), plain and
`choose` alike, on mid-size generated counties (the whole solve: checks, preparation,
bound, search and assembly)."""

from __future__ import annotations

import time

from allocator.io.generate import generate_county
from allocator.model.loading import parse_scenario
from allocator.pipeline import solve


def allowed_wall(limit: float) -> float:
    return limit + max(2.0, 0.05 * limit)


def timed_solve(sc, limit: float):
    t0 = time.perf_counter()
    r = solve(sc, stage="students", time_limit=limit)
    return r, time.perf_counter() - t0


def test_plain_solve_of_a_mid_size_county_keeps_its_limit():
    d = generate_county(100, 2500, seed=2)
    d["options"] = {**d.get("options", {}), "workers": 2}
    r, wall = timed_solve(parse_scenario(d), 8.0)
    assert wall <= allowed_wall(8.0), f"{wall:.1f} s at an 8 s limit"
    assert r.status in ("optimal", "feasible") and r.lower_bound <= r.objective


def test_choose_solve_keeps_its_limit():
    d = generate_county(90, 2000, seed=1)
    rural = sorted(s["id"] for s in d["schools"] if not s["urban"]
                   and s["kind"] in ("primary", "teaching_point"))[:60]
    d["policy"] = {"profile": "cn-national", "overrides": {"day_radius_km.primary.rural": 10.0}}
    d["layout"] = [{"op": "choose", "candidates": rural, "keep": len(rural) * 2 // 3,
                    "fixed_cost": 500000}]
    d["options"] = {"workers": 2, "weights": {"fixed_cost": 0.0005}}
    r, wall = timed_solve(parse_scenario(d), 4.0)
    assert wall <= allowed_wall(4.0), f"{wall:.1f} s at a 4 s limit"
    assert r.status in ("optimal", "feasible") and r.lower_bound <= r.objective
