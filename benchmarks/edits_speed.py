"""Hand edits at county scale: `python -m benchmarks.edits_speed [--time-limit 20]`.

Solves the student stage of the rural example and of a generated county of 300 schools and
20,000 blocks (seed 7) within `--time-limit`, then times, on each plan: building the edit
base once (`prepare_edits`: the instance and units, no candidate arcs), applying no edit,
one edit and ten edits (`apply_edits`: every row, violation and KPI recomputed), and a
block's options (`block_options`). Each figure is the best of three runs; the edited plans
are checked by `verify`. Writes benchmarks/results/edits_speed.json with the machine and
its load average, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from allocator import (
    Edit,
    apply_edits,
    block_options,
    edited_schools,
    generate_scenario,
    load_scenario,
    parse_scenario,
    prepare_edits,
    solve,
    verify,
)

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, runs: int = 3) -> tuple[float, object]:
    """The least wall time of `runs` calls of fn() and its last value (the CPU seconds of
    that call in `CPU[-1]`: on a shared machine they show the work without the waiting)."""
    best, value = float("inf"), None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        value = fn()
        wall = time.perf_counter() - t
        if wall < best:
            best = wall
            CPU.append(time.process_time() - c)
    return best, value


CPU: list[float] = []


def some_moves(base, n: int) -> list[Edit]:
    """Up to n admissible moves of different block levels to their second-nearest option."""
    edits: list[Edit] = []
    for bid, level in sorted(base.unit_keys())[::97]:
        opts = block_options(base, base.school, bid, level)
        other = [o for o in opts.options if o.admissible and o.school != opts.current]
        if other:
            edits.append(Edit(block=bid, level=level, school=other[0].school))
        if len(edits) == n:
            break
    return edits


def measure(sc, time_limit: float) -> dict:
    """Solve `sc` (student stage) and time the edit operations on its plan."""
    t = time.perf_counter()
    result = solve(sc, stage="students", time_limit=time_limit)
    solve_s = time.perf_counter() - t
    prep_s, base = best_of(lambda: prepare_edits(sc, result))
    out = {"schools": len(sc.schools), "blocks": len(sc.blocks),
           "units": len(base.units), "status": result.status, "solve_s": round(solve_s, 2),
           "prepare_edits_s": round(prep_s, 3), "prepare_edits_cpu_s": round(CPU[-1], 3)}
    for n in (0, 1, 10):
        edits = some_moves(base, n)
        secs, plan = best_of(lambda e=edits: apply_edits(sc, result, e, base))
        out[f"apply_{n}_edits_s"] = round(secs, 3)
        out[f"apply_{n}_edits_cpu_s"] = round(CPU[-1], 3)
        out[f"apply_{n}_edits_verified"] = verify(sc, plan.result).ok
    bid, level = sorted(base.unit_keys())[0]
    secs, _ = best_of(lambda: block_options(base, edited_schools(base, []), bid, level))
    out["block_options_s"] = round(secs, 3)
    return out


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write its figures (see the module docstring)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.edits_speed")
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    rural = load_scenario(ROOT / "scenarios" / "rural-county.json")
    data = generate_scenario(300, 20000, seed=7)
    data["options"]["workers"] = args.workers
    runs = {"rural-county": measure(rural, args.time_limit),
            "county-300s-20000b": measure(parse_scenario(data), args.time_limit)}
    doc = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "load_avg": os.getloadavg()}, "runs": runs}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "edits_speed.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
