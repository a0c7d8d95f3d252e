"""How `instances.json` was frozen (kept for the record; the suite never runs it).

`python -m benchmarks.reference.freeze REFDATA` reads the runs measured before this change
(REFDATA/reference.json, the result folders REFDATA/plans/<name>/), re-evaluates every
stored plan under the current model (the result builder's objective, checked by the
independent verifier), stores those plans as `plans/<name>.csv.gz`, computes today's flow
bound (`relax_with_pricing`, no time limit) and writes `instances.json`. Figures that the
current model cannot re-check (plans that were not stored, bounds proven on the model
before the soft day radius) are kept as history with `valid_for` saying so.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path

from allocator.pipeline.prepare import prepare
from allocator.rules.objective import SCALE
from allocator.students.flow_bound import relax_with_pricing

from ..reference_suite import (
    REF,
    build_scenario,
    canonical_sha256,
    evaluate_plan,
    scenario_dict,
    write_plan,
)

RECIPES = {
    "rural-county": {"file": "scenarios/rural-county.json"},
    "urban-district": {"file": "scenarios/urban-district.json"},
    "consolidation-choose": {"file": "scenarios/consolidation/choose.json"},
    "S": {"generate": {"schools": 50, "blocks": 1000, "seed": 1, "tight": False}},
    "S-tight": {"generate": {"schools": 50, "blocks": 1000, "seed": 1, "tight": True}},
    "M": {"generate": {"schools": 200, "blocks": 5000, "seed": 1, "tight": False}},
    "M-tight": {"generate": {"schools": 200, "blocks": 5000, "seed": 1, "tight": True}},
    "L": {"generate": {"schools": 400, "blocks": 20000, "seed": 1, "tight": False}},
    "gen-60-1500-s11": {"generate": {"schools": 60, "blocks": 1500, "seed": 11,
                                     "tight": False}},
    "choose-150": {"choose_speed": {"keep": 100, "time_limit": 120.0}},
}
OLD_MODEL = ("model before the soft day radius (young pupils beyond the radius were then "
             "inadmissible; the current model admits them at a price, so a bound proven "
             "then is not proven for the current model)")


def plan_rows(folder: Path) -> list[tuple[str, str, str, str]]:
    """(block, level, grades, school) rows of a result folder's assignments.csv."""
    with open(folder / "assignments.csv", encoding="utf-8") as f:
        return [(r["block"], r["level"], r["grades"], r["school"]) for r in csv.DictReader(f)]


def history(run: dict) -> dict:
    """A measured run as history: solver, command, date, figures and what they hold for."""
    keep = ("solver", "source_solver", "command/script", "provenance", "date",
            "time_limit_s", "wall_s", "objective", "lower_bound", "status", "note")
    out = {k: run[k] for k in keep if run.get(k) is not None}
    if out.get("lower_bound") is not None:
        out["bound_valid_for"] = (f"{run.get('valid_for')}; {OLD_MODEL}"
                                  if run.get("valid_for") == "candidate arcs"
                                  else f"{run.get('valid_for')}; the model of that run")
    out["objective_valid_for"] = "the model of that run (not re-evaluated)"
    return out


def freeze_entry(old: dict, refdata: Path) -> dict:
    """One instance of `instances.json` from its entry in REFDATA/reference.json."""
    name = old["name"]
    entry = {"name": name, "built": dict(RECIPES[name]),
             "target_time_limit_s": old["target_time_limit_s"]}
    entry["built"]["sha256"] = canonical_sha256(scenario_dict(entry))
    sc = build_scenario(entry)
    today = date.today().isoformat()
    entry["size"] = {"schools": len(sc.schools), "blocks": len(sc.blocks)}
    entry["runs"] = [history(r) for r in old.get("runs", [])]
    entry["best_plan"] = None
    folder = refdata / "plans" / name
    if (folder / "assignments.csv").exists():
        rows = plan_rows(folder)
        value, flags = evaluate_plan(sc, rows)
        run = next(r for r in old["runs"] if r.get("plan_dir"))
        path = write_plan(name, rows)
        entry["best_plan"] = {
            "objective": round(value, 2), "plan": str(path.relative_to(REF)),
            "solver": "ours", "command": run["command/script"], "date": run["date"],
            "time_limit_s": run["time_limit_s"], "objective_when_run": run["objective"],
            "valid_for": "full problem, current model (re-evaluated " + today +
                         " by benchmarks/reference/freeze.py: result builder objective, "
                         "verifier " + ("clean" if not flags else "flags: " + "; ".join(flags))
                         + ")"}
    entry["best_bound"] = None
    if not any(op.op == "choose" for op in sc.layout):
        prepared = prepare(sc, stage="students")
        pr = prepared.students
        rel, _ = relax_with_pricing(pr.instance, pr.units, pr.arcs,
                                    elastic=not sc.options.strict)
        entry["flow_bound"] = {"value": rel.bound / SCALE, "solver": "ours (flow relaxation "
                               "with pricing, relax_with_pricing, no time limit)",
                               "command": "python -m benchmarks.reference.freeze",
                               "date": today, "valid_for": "full problem, current model"}
    return entry


def main(argv: list[str]) -> int:
    refdata = Path(argv[0])
    old = json.loads((refdata / "reference.json").read_text(encoding="utf-8"))
    out = {"frozen": date.today().isoformat(),
           "notes": ["Objectives and bounds in pupil-km equivalents (objective units / 100).",
                     "A figure holds only for what its valid_for says; the suite compares "
                     "with best_plan (always a plan of the current model) and best_bound "
                     "(proven for the current model; null: not measured).",
                     "The solver never reads this file."],
           "instances": []}
    for inst in old["instances"]:
        print("freezing", inst["name"], flush=True)
        out["instances"].append(freeze_entry(inst, refdata))
    (REF / "instances.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
