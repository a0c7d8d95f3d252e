"""A 6-year horizon plan at county scale: `python -m benchmarks.horizon_speed [--limit 20]`.

A generated county (seed 3, 200 schools, 5,000 blocks; the rural primary day radius 10 km as
in scenarios/consolidation) with pupils by year over 2026-2031: births fall 8% a year, each
cohort moves up one grade a year (98% stay), so every year has its intakes and its enrolled
cohorts. A merge programme takes effect in 2028 (three rural primaries into their nearest
open primary). The plan runs in a fresh subprocess at a per-year limit L (its wall time and
peak RSS are its own); then each year is solved alone as a single-year scenario (whole
blocks, no continuity) at the same limit, for the gap to compare. The issue asks: total wall
at most 6 x L + 10%, each year's gap at most its single-year gap + 1 point, peak memory
under 2 GB. The plan's wall is the whole of `allocator plan`: reading the scenario, the
years (each year's files written as it is solved) and the plan folder published. Figures
go to benchmarks/results/<date>-horizon.json with the machine's load, since the machine
may be shared. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SCHOOLS, BLOCKS, SEED, YEARS = 200, 5000, 3, list(range(2026, 2032))


def county(limit: float, workers: int, schools: int = SCHOOLS, blocks: int = BLOCKS,
           years: list[int] = YEARS) -> dict:
    """The benchmark scenario as a dict (deterministic); smaller sizes for tests."""
    import numpy as np

    from allocator import generate_scenario as generate_county

    d = generate_county(schools, blocks, seed=SEED)
    rng = np.random.default_rng(SEED)
    for b in d["blocks"]:
        grades = list(b["students"])
        by_year = {}
        for year in years:
            by_year[str(year)] = grades
            intake = int(round(grades[0] * 0.92 * rng.uniform(0.95, 1.05)))
            grades = [intake] + [int(round(n * 0.98)) for n in grades[:-1]]
        b["students_by_year"] = by_year
    primaries = [s for s in d["schools"] if s["kind"] == "primary" and not s["urban"]]
    d["layout"] = [{"op": "merge", "from": [s["id"]], "into": nearest(s, primaries)["id"],
                    "year": years[min(2, len(years) - 1)]} for s in primaries[:6:2]]
    d["name"] = f"horizon-{schools}s-{blocks}b"
    d["policy"] = {"profile": "cn-national",
                   "overrides": {"day_radius_km.primary.rural": 10.0}}
    d["options"] = {"time_limit_s": limit, "workers": workers}
    return d


def nearest(s: dict, others: list[dict]) -> dict:
    """The school of `others` nearest to `s` (not `s` itself)."""
    x, y = s["location"]
    return min((o for o in others if o["id"] != s["id"]),
               key=lambda o: (o["location"][0] - x) ** 2 + (o["location"][1] - y) ** 2)


def run_plan(path: Path, out: Path, limit: float) -> dict:
    """The plan in this process as `allocator plan` runs it (each year's files written into
    the staged plan folder as soon as it is solved, the timeline at the end): the whole
    wall and CPU from reading the scenario to the published folder, the writing's share,
    per-year status, gap and seconds (writing included), peak RSS."""
    from allocator import load_scenario, plan_horizon, plan_writer

    t0, c0 = time.perf_counter(), time.process_time()
    writing = []

    def write(py) -> None:
        t = time.perf_counter()
        writer.add_year(py)
        writing.append(time.perf_counter() - t)

    sc = load_scenario(path)
    with plan_writer(out) as writer:
        plan = plan_horizon(sc, time_limit=limit, write=write,
                            announce=lambda py: print(f"  {py.year}: {py.result.status} gap "
                                                      f"{py.result.gap} ({py.seconds:.1f} s)",
                                                      file=sys.stderr, flush=True))
        t1 = time.perf_counter()
        writer.finish(plan)
    finish = time.perf_counter() - t1
    return {"wall_s": round(time.perf_counter() - t0, 2),
            "cpu_s": round(time.process_time() - c0, 2),
            "write_s": round(sum(writing) + finish, 2),
            "write_years_s": [round(w, 2) for w in writing], "finish_s": round(finish, 2),
            "years": {py.year: {"status": py.result.status, "gap": py.result.gap,
                                "seconds": py.seconds,
                                "pupils_moved": py.result.horizon.pupils_moved
                                if py.result.horizon else None} for py in plan.years},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def run_single(path: Path, year: int, limit: float) -> dict:
    """One year solved alone (whole blocks): its gap and seconds, peak RSS."""
    from allocator import load_scenario, solve

    sc = load_scenario(path)
    sc.options.year = str(year)
    sc.layout = [op.model_copy(update={"year": None}) for op in sc.layout
                 if op.year is None or op.year <= year]
    t0, c0 = time.perf_counter(), time.process_time()
    r = solve(sc, stage="students", time_limit=limit)
    return {"status": r.status, "gap": r.gap, "seconds": round(time.perf_counter() - t0, 2),
            "cpu_s": round(time.process_time() - c0, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def child(args: list[str]) -> dict:
    """Run this module with `args` in a fresh process; its JSON line back."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.horizon_speed", *args],
                         capture_output=True, text=True, check=True)
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=float, default=20.0, help="seconds per year")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--single", choices=("all", "first", "none"), default="all",
                    help="years also solved alone for the gap comparison")
    ap.add_argument("--out", type=Path, help="figures file (default: results/<date>-horizon.json)")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "PATH", "YEAR"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        kind, path, year = a.child
        res = (run_plan(Path(path), Path(path).with_suffix(".plan"), a.limit) if kind == "plan"
               else run_single(Path(path), int(year), a.limit))
        print(json.dumps(res))
        return
    RESULTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="horizon-bench-"))
    try:
        path = work / "county.json"
        path.write_text(json.dumps(county(a.limit, a.workers)), encoding="utf-8")
        load = os.getloadavg()
        plan = child(["--limit", str(a.limit), "--child", "plan", str(path), "0"])
        singles = {}
        for year in {"all": YEARS, "first": YEARS[:1], "none": []}[a.single]:
            singles[year] = child(["--limit", str(a.limit), "--child", "single", str(path),
                                   str(year)])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {"date": str(date.today()), "machine": platform.node(), "cpus": os.cpu_count(),
              "load_before": load, "load_after": os.getloadavg(), "limit_s": a.limit,
              "workers": a.workers, "schools": SCHOOLS, "blocks": BLOCKS, "years": YEARS,
              "plan": plan, "single_year": singles,
              "wall_budget_s": round(len(YEARS) * a.limit * 1.1, 1),
              "within_budget": plan["wall_s"] <= round(len(YEARS) * a.limit * 1.1, 1)}
    target = a.out or RESULTS / f"{date.today()}-horizon.json"
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
