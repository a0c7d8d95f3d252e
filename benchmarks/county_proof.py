"""How far is a county plan from the optimum, beyond what our flow bound can tell?

`python -m benchmarks.county_proof S [--tight] [--time-limit 900]` gives HiGHS branch-and-cut
(in its own process) the planner's student model of generated county S, M or L as a MILP over
the same candidate arcs (`peer_models.county_milp`: whole classes per grade, rooms, beds,
size cap, elastic penalties) for a long time, and prints its proven lower bound beside its own
plan. That bound is valid for the pruned model only (every plan the engine can return lives
there), so it measures the engine's plan directly; the flow bound the solver reports is valid
for the unpruned problem but cannot see whole classes, which is most of the reported gap.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from .peer_models import county_milp
from .peers import county_case, run_peer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.county_proof")
    ap.add_argument("size", choices=("S", "M", "L"))
    ap.add_argument("--tight", action="store_true")
    ap.add_argument("--time-limit", type=float, default=900.0)
    args = ap.parse_args(argv)

    from allocator.rules.objective import SCALE

    sc, inst, units, arcs, pen = county_case(args.size, args.tight)
    milp = county_milp(inst, units, arcs, pen, elastic=not sc.options.strict)
    with tempfile.TemporaryDirectory() as tmp:
        res = run_peer("highs", milp, args.time_limit, Path(tmp))
    if "error" in res or "skipped" in res:
        print(f"error: {res.get('error') or res.get('skipped')}")
        return 1
    out = {"instance": args.size + ("-tight" if args.tight else ""), "arcs": len(arcs),
           "vars": milp.n_vars, "rows": milp.n_rows, "status": res["status"],
           "time_s": round(res["solve_s"], 1),
           "highs_plan": None if res["objective"] is None else round(res["objective"] / SCALE, 2),
           "highs_bound": round(res["bound"] / SCALE, 2)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
