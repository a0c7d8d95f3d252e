"""Teacher rotation speed: `python -m benchmarks.rotation_speed [--quick]`.

A generated county with 300 schools and about 8,000 teachers (4,500 villages and estates,
seeded), staffed for today's enrolment: the rotation stage alone, with a 60 s limit and 8
CP-SAT workers. Target: optimality proven or a gap of at most 1% within 60 s. Reports the
instance (teachers, eligible, groups of interchangeable teachers, admissible and candidate
arcs), the time of each step, tier 1 (weighted rule shortfall) with its bound, and the
balance / distance objective with its bound and gap. Writes
benchmarks/results/rotation_speed.json (not with --quick).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def bench_rotation(schools: int, blocks: int, seed: int, time_limit: float,
                   workers: int = 8) -> dict:
    """Generate one county and solve its rotation on today's enrolment; the figures."""
    from allocator import Budget
    from allocator import generate_scenario as generate_county
    from allocator.model.loading import parse_scenario
    from allocator.model.policy import resolve_policy
    from allocator.rules.staffing import plan_from_today
    from allocator.teachers.roster import build_roster
    from allocator.teachers.solve import solve_rotation

    t0 = time.perf_counter()
    sc = parse_scenario(generate_county(schools, blocks, seed=seed, teachers=True))
    policy = resolve_policy(sc.policy.profile, sc.policy.overrides)
    t1 = time.perf_counter()
    plan, _ = plan_from_today(sc, policy, sc.schools)
    roster = build_roster(sc, policy, sc.schools, plan)
    t2 = time.perf_counter()
    out = solve_rotation(roster, strict=False, budget=Budget(
        time_limit=time_limit, workers=workers, seed=seed, target_gap=0.001).started())
    t3 = time.perf_counter()
    return {
        "schools": schools, "blocks": blocks, "seed": seed, "teachers": len(sc.teachers),
        "pupils": int(plan.pupils.sum()), "eligible": int(roster.eligible.sum()),
        "groups": roster.n_groups, "admissible_arcs": out.stats["admissible_arcs"],
        "candidate_arcs": out.stats["candidates"], "moves": int(out.moves.sum()),
        "status": out.status, "tier1": out.tier1, "tier1_bound": out.tier1_bound,
        "objective": out.objective / 10, "lower_bound": out.bound / 10,
        "gap": out.gap, "time_limit_s": time_limit, "generate_s": round(t1 - t0, 2),
        "roster_s": round(t2 - t1, 2), "rotation_s": round(t3 - t2, 2),
        "steps_s": out.timings, "solver": out.stats,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, load average {load:.1f} at the start")


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.rotation_speed")
    ap.add_argument("--quick", action="store_true", help="a 30-school county (smoke run)")
    ap.add_argument("--seeds", default="1", help="comma-separated generator seeds")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=8)
    a = ap.parse_args()
    size = (30, 450) if a.quick else (300, 4500)
    report = {"machine": machine(), "target": "optimal or gap <= 1% within 60 s", "rows": []}
    for seed in (int(s) for s in a.seeds.split(",")):
        row = bench_rotation(*size, seed=seed, time_limit=a.time_limit, workers=a.workers)
        report["rows"].append(row)
        print(json.dumps({k: v for k, v in row.items() if k not in ("solver", "steps_s")}),
              flush=True)
    if not a.quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "rotation_speed.json").write_text(json.dumps(report, indent=1) + "\n",
                                                     encoding="utf-8")


if __name__ == "__main__":
    main()
