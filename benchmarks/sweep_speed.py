"""Sweep throughput: `python -m benchmarks.sweep_speed [--variants 100] [--blocks 1000]`.

A generated county (seed 1, 40 schools, 1,000 blocks) and a grid of 100 variants (primary
class cap x junior class cap x stability weight), each solved with one CP-SAT worker, seed 0,
until a 1% gap (time limit 60 s as a safety net), so a variant's time is CPU work, not a
wall-clock limit (this grid keeps to settings that reach the gap in seconds: in this county
a primary cap below 50, a wider day radius or a stability weight above 1 leave a gap of
2-13% after 60 s, and a time-limited solve takes its limit however many cores it gets).
The sweep runs on the local process pool with 1 worker, then with 2 (and, with
`--backends pool,local`, on a Dask LocalCluster of 2), each into a fresh folder; the speed-up
is the 1-worker wall time over the 2-worker one. Objectives of the runs are
compared variant by variant (one CP-SAT worker is deterministic unless a time limit cuts a
solve short). Figures go to benchmarks/results/<date>-sweep.json with the load average
before and after, since the machine may be shared: figures under load are not those of a
quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
GRID = {"policy.overrides.class_size_cap.primary": [50, 52, 55, 58, 60],
        "policy.overrides.class_size_cap.junior": [50, 55, 60, 65],
        "options.weights.stability": [0.0, 0.25, 0.5, 0.75, 1.0]}


def grid_for(n: int) -> dict[str, list]:
    """GRID with its axes shortened, first axis first, until it has at most `n` points
    (n >= 100: the whole 5 x 4 x 5 grid)."""
    grid = {k: list(v) for k, v in GRID.items()}
    for values in grid.values():
        while len(values) > 1 and size(grid) > n:
            values.pop()
    return grid


def size(grid: dict[str, list]) -> int:
    n = 1
    for values in grid.values():
        n *= len(values)
    return n


def write_study(folder: Path, blocks: int, variants: int, gap: float,
                time_limit: float) -> Path:
    """The county and the spec, written into `folder`; returns the spec path."""
    from allocator.io.generate import generate_county

    county = generate_county(max(20, blocks // 25), blocks, seed=1)  # 40 schools at 1,000
    county["name"] = f"sweep-bench-{blocks}b"
    (folder / "county.json").write_text(json.dumps(county), encoding="utf-8")
    spec = {"name": f"sweep-bench-{variants}", "base": "county.json", "stage": "students",
            "set": {"options.workers": 1, "options.seed": 0, "options.relative_gap": gap,
                    "options.time_limit_s": time_limit},
            "grid": grid_for(variants), "top": 0}
    path = folder / "spec.json"
    path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    return path


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_once(spec: Path, out: Path, scheduler: str | None, workers: int) -> dict:
    """One sweep into a fresh `out`; wall time, status counts, per-variant solve seconds."""
    from allocator.io.result_folder import load_result
    from allocator.sweep.runner import run_sweep

    shutil.rmtree(out, ignore_errors=True)
    load_before = load()
    t = time.perf_counter()
    report = run_sweep(spec, out, workers=workers, scheduler=scheduler, quiet=True)
    wall = time.perf_counter() - t
    objectives, statuses, solve_s = {}, {}, []
    for v in report.sweep.variants:
        folder = out / v.id
        if (folder / "result.json").is_file():
            r = load_result(folder)
            objectives[v.id] = r.objective
            statuses[r.status] = statuses.get(r.status, 0) + 1
            meta = json.loads((folder / "variant.json").read_text(encoding="utf-8"))
            solve_s.append(meta["seconds"])
    return {"backend": report.backend, "workers": workers, "variants": len(report.sweep.variants),
            "finished": len(objectives), "failed": len(report.failed_list),
            "statuses": statuses, "wall_s": round(wall, 2),
            "variants_per_min": round(60 * len(objectives) / wall, 2),
            "mean_variant_s": round(sum(solve_s) / max(len(solve_s), 1), 3),
            "load_before": load_before, "load_after": load(), "objectives": objectives}


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sweep_speed")
    ap.add_argument("--variants", type=int, default=100)
    ap.add_argument("--blocks", type=int, default=1000)
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--backends", default="pool", help="pool and/or local (Dask "
                    "LocalCluster), comma-separated; 2 workers each after the 1-worker pool")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}")
    work = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    try:
        spec = write_study(work, args.blocks, args.variants, args.gap, args.time_limit)
        runs = [run_once(spec, work / "w1", None, 1)]
        print(f"1 worker: {runs[0]['wall_s']} s", flush=True)
        for b in backends:
            runs.append(run_once(spec, work / f"w2-{b}", None if b == "pool" else "local", 2))
            print(f"2 workers ({b}): {runs[-1]['wall_s']} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = runs[0]
    rows = []
    for r in runs:
        same = sum(1 for k, v in r["objectives"].items() if base["objectives"].get(k) == v)
        row = {k: v for k, v in r.items() if k != "objectives"}
        row["speedup_vs_1_worker"] = round(base["wall_s"] / r["wall_s"], 3)
        row["same_objective_as_1_worker"] = same
        rows.append(row)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{date.today().isoformat()}-sweep.json"
    note = ("load_before / load_after: 1-minute load averages (2 cores); a high one before "
            "the first run can be the previous benchmark's tail (the average lags)")
    out.write_text(json.dumps({"machine": machine, "blocks": args.blocks,
                               "variants": args.variants, "gap": args.gap,
                               "time_limit_s": args.time_limit, "note": note, "runs": rows},
                              indent=2) + "\n")
    print(f"machine: {machine}; {note}")
    for r in rows:
        print(f"  {r['backend']}: {r['finished']}/{r['variants']} variants in {r['wall_s']} s "
              f"({r['variants_per_min']}/min, mean {r['mean_variant_s']} s per variant), "
              f"speed-up {r['speedup_vs_1_worker']}x, same objective as 1 worker "
              f"{r['same_objective_as_1_worker']}, load {r['load_before']} -> "
              f"{r['load_after']}")
    print(f"written {out}")


if __name__ == "__main__":
    main()
