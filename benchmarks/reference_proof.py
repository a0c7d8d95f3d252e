"""HiGHS on the current student model of a reference instance, for its proven bound.

`python -m benchmarks.reference_proof NAME [--time-limit 600] [--out FILE]` builds the
reference instance NAME (`benchmarks/reference/instances.json`), its units and candidate
arcs as the planner does (`build_candidates`, k from the scenario), and gives HiGHS
(in its own process, `peers.run_peer`) the MILP `peer_models.county_milp`: whole classes
per grade, rooms, beds (boarders only: young pupils beyond the radius are priced day
pupils, their penalty in the arc cost), size cap, elastic penalties. HiGHS's bound holds
for the candidate-arc model only; its plan is re-costed by the planner's own objective.
Prints one JSON line and writes it to --out when given.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from .peer_models import county_milp
from .peers import county_objective, run_peer
from .reference_suite import build_scenario, load_reference


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.reference_proof")
    ap.add_argument("name")
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    import numpy as np

    from allocator.layout import apply_layout
    from allocator.model.policy import resolve_policy
    from allocator.rules.objective import SCALE
    from allocator.students.arcs import build_candidates, build_units
    from allocator.students.invest import rule_prices
    from allocator.students.problem import build_instance_checked, lock_map

    from .mip import decode

    entry = {e["name"]: e for e in load_reference()["instances"]}[args.name]
    sc = build_scenario(entry)
    policy = resolve_policy(sc.policy.profile, sc.policy.overrides)
    inst, _ = build_instance_checked(sc, policy, apply_layout(sc, policy))
    units = build_units(inst, lock_map(inst))
    arcs = build_candidates(inst, units, sc.options.candidates_k)
    milp = county_milp(inst, units, arcs, rule_prices(inst), elastic=not sc.options.strict)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        res = run_peer("highs", milp, args.time_limit, Path(tmp))
    out = {"name": args.name, "solver": "highs", "date": date.today().isoformat(),
           "command": f"python -m benchmarks.reference_proof {args.name} "
                      f"--time-limit {args.time_limit:g}",
           "time_limit_s": args.time_limit, "wall_s": round(time.perf_counter() - t0, 1),
           "units": len(units), "arcs": len(arcs), "valid_for": "candidate arcs"}
    if "error" in res or "skipped" in res:
        out["error"] = res.get("error") or res.get("skipped")
    else:
        out.update(status=res["status"], bound=round(res["bound"] / SCALE, 2))
        x = res.get("x")
        if x is not None:
            schools = decode(milp, np.array(x), len(units))
            value, broken = county_objective(inst, units, arcs, schools)
            out.update(objective=round(value, 2), violations=broken)
    line = json.dumps(out)
    print(line)
    if args.out is not None:
        args.out.write_text(line + "\n", encoding="utf-8")
    return 0 if "error" not in out else 1


if __name__ == "__main__":
    raise SystemExit(main())
