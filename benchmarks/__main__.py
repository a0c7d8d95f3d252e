"""`python -m benchmarks run [--suite counties] [--sizes S,M] [--time-limit S]`."""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import date
from pathlib import Path

from .counties import run_counties

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def markdown(rows: list[dict]) -> str:
    cols = ["instance", "schools", "blocks", "pupils", "status", "objective", "lower_bound",
            "gap", "wall_s", "peak_mb", "violations"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c, r.get("error", ""))
            if c == "gap" and isinstance(v, float):
                v = f"{100 * v:.3f}%"
            cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a suite and write benchmarks/results/<date>.json")
    run.add_argument("--suite", default="counties", choices=["counties"])
    run.add_argument("--sizes", default="S,M,L")
    run.add_argument("--time-limit", type=float, default=None)
    run.add_argument("--no-tight", action="store_true")
    args = ap.parse_args()
    rows = run_counties(args.sizes.split(","), args.time_limit, not args.no_tight)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{date.today().isoformat()}-{args.suite}.json"
    out.write_text(json.dumps({"machine": machine(), "suite": args.suite, "rows": rows},
                              indent=2) + "\n")
    print(f"machine: {machine()}\n")
    print(markdown(rows))
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
