"""`choose` at county scale: `python -m benchmarks.choose_speed [--time-limit 120]`.

A generated county (seed 1) with 5,000 blocks and 150 candidate schools (its rural primaries
and teaching points, in id order): the solver keeps `--keep` of them (default 100), each kept
one costing 500,000 yuan a year at 0.0005 pupil-km per yuan. The county runs school buses,
so the rural primary day radius is 10 km (as in scenarios/consolidation). Each run is a fresh
subprocess (its own wall time and peak memory); the figures are written to
benchmarks/results/<date>-choose.json with the machine and its load average, since the
machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
BLOCKS, CANDIDATES, SEED = 5000, 150, 1


def county(keep: int, time_limit: float) -> dict:
    """The benchmark scenario as a dict (deterministic)."""
    from allocator import generate_scenario as generate_county

    n = 150
    while True:  # enough schools for 150 rural primaries and teaching points
        d = generate_county(n, BLOCKS, seed=SEED)
        rural = [s["id"] for s in d["schools"] if not s["urban"]
                 and s["kind"] in ("primary", "teaching_point")]
        if len(rural) >= CANDIDATES:
            break
        n += 10
    d["name"] = f"choose-{CANDIDATES}c-{BLOCKS}b-keep{keep}"
    d["policy"] = {"profile": "cn-national",
                   "overrides": {"day_radius_km.primary.rural": 10.0}}
    d["layout"] = [{"op": "choose", "candidates": sorted(rural)[:CANDIDATES], "keep": keep,
                    "fixed_cost": 500000}]
    d["options"] = {"time_limit_s": time_limit, "workers": 8,
                    "weights": {"fixed_cost": 0.0005}}
    return d


def solve_one(keep: int, time_limit: float) -> dict:
    """Generate and solve in this process; returns the figures."""
    from allocator import parse_scenario, solve, verify

    sc = parse_scenario(county(keep, time_limit))
    t = time.perf_counter()
    r = solve(sc, stage="students")
    wall = time.perf_counter() - t
    (c,) = r.layout.choose
    return {"schools": len(sc.schools), "blocks": len(sc.blocks), "candidates": CANDIDATES,
            "keep": keep, "kept": len(c.kept or []), "pupils": r.kpis.pupils,
            "units": r.solver.units, "arcs": r.solver.arcs, "status": r.status,
            "objective": r.objective, "lower_bound": r.lower_bound, "gap": r.gap,
            "flow_bound_plus_min_fixed": round(r.solver.flow_bound
                                               + r.solver.min_fixed_cost, 2),
            "lagrange_bound": r.solver.lagrange_bound,
            "lagrange_s": r.solver.lagrange_s, "wall_s": round(wall, 2),
            "timings": r.timings, "violations": len(r.violations),
            "verified": verify(sc, r).ok,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, load average {load} at start")


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.choose_speed")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--keep", type=int, default=100)
    args = ap.parse_args()
    info = machine()
    code = (f"import json; from benchmarks.choose_speed import solve_one; "
            f"print(json.dumps(solve_one({args.keep}, {args.time_limit})))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[1])
    if p.returncode != 0:
        sys.exit(f"the solve failed:\n{p.stderr[-3000:]}")
    row = json.loads(p.stdout.strip().splitlines()[-1])
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{date.today().isoformat()}-choose.json"
    out.write_text(json.dumps({"machine": info, "time_limit_s": args.time_limit, "row": row},
                              indent=2) + "\n")
    print(f"machine: {info}")
    for k, v in row.items():
        print(f"  {k}: {v}")
    print(f"written {out}")


if __name__ == "__main__":
    main()
