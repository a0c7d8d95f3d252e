"""Scale runs of the engine: large generated GAP and p-median instances, wall time and memory.

`python -m benchmarks.scale [--gap 20x1600 ...] [--pmedian 3000:800 ...] [--time-limit S]`
solves each instance in its own process (so peak RSS is that solve's alone), one at a time,
and prints one JSON row per instance: size, time limit, wall seconds, whether the wall stayed
within limit + max(2 s, 5 %), value, bound, gap, peak RSS (MB), the load average before the
solve and the solver's own statistics (the fallbacks it took among them). With `--save` the
rows go to benchmarks/results/<date>-scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from allocator.engine import solve_assignment

from .generate import random_pmedian, type_d_gap

RESULTS = Path(__file__).resolve().parent / "results"


def allowed_wall(time_limit: float) -> float:
    """The wall a solve may take: its limit plus max(2 s, 5 %)."""
    return time_limit + max(2.0, 0.05 * time_limit)


def build(spec: str):
    """The instance of `gap:MxN[:seed]` or `pmedian:N:P[:seed]`."""
    kind, *rest = spec.split(":")
    if kind == "gap":
        m, n = (int(v) for v in rest[0].split("x"))
        return type_d_gap(m, n, int(rest[1]) if len(rest) > 1 else 7)
    if kind == "pmedian":
        return random_pmedian(int(rest[0]), int(rest[1]), int(rest[2]) if len(rest) > 2 else 7)
    raise ValueError(f"unknown instance spec {spec!r} (gap:MxN or pmedian:N:P)")


def solve_one(spec: str, time_limit: float, workers: int) -> dict:
    """Solve one instance in this process; the row printed by `main`."""
    problem = build(spec)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    r = solve_assignment(problem, time_limit=time_limit, workers=workers,
                         lns_workers=workers)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"instance": problem.name, "spec": spec, "time_limit_s": time_limit,
            "wall_s": round(wall, 2), "within_limit": wall <= allowed_wall(time_limit),
            "status": r.status, "value": r.objective, "bound": round(r.bound, 3),
            "gap": None if r.gap is None else round(r.gap, 6), "peak_rss_mb": round(rss, 1),
            "load_before": round(load, 2), "workers": workers,
            "solver": {k: v for k, v in r.stats.items() if not isinstance(v, (list, dict))}}


def main(argv: list[str] | None = None) -> int:
    """Run every instance in a child process; print rows; save with --save."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale")
    ap.add_argument("--gap", action="append", default=[], help="MxN type D GAP (seed 7)")
    ap.add_argument("--pmedian", action="append", default=[], help="N:P random p-median")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--save", action="store_true")
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(solve_one(args.one, args.time_limit, args.workers)))
        return 0
    specs = [f"gap:{g}" for g in args.gap] + [f"pmedian:{p}" for p in args.pmedian]
    rows = []
    for spec in specs:
        cmd = [sys.executable, "-m", "benchmarks.scale", "--one", spec,
               "--time-limit", str(args.time_limit), "--workers", str(args.workers)]
        out = subprocess.run(cmd, capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parents[1])
        if out.returncode != 0:
            row = {"spec": spec, "error": out.stderr.strip().splitlines()[-1:]}
        else:
            row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{date.today().isoformat()}-scale.json"
        path.write_text(json.dumps({"rows": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
