"""The reference set: instances with the best plan and the best proven bound known, frozen.

`benchmarks/reference/instances.json` holds, per instance, how its scenario is built (a
file of the repository or a seeded generator, with the SHA-256 of its canonical JSON), the
target time limit, the best known plan (its
objective re-evaluated under the current model; the plan itself, block by block, in
`benchmarks/reference/plans/<name>.csv.gz` where small enough to keep) and the best bounds
known, each with command, date, solver and `valid_for`. The solver never reads any of it.

`python -m benchmarks run --suite reference [--only NAME] [--time-scale X]` solves each
instance at its target limit (times X) and prints, per instance, our plan, its excess over
the best known plan, our bound, the share of the distance from the flow bound to the best
proven bound that our bound closes, the gap and the wall time.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import time
from pathlib import Path

import numpy as np

from allocator.io.generate import generate_county
from allocator.model.loading import parse_scenario
from allocator.model.scenario import Scenario
from allocator.pipeline.assemble import assemble_result
from allocator.pipeline.prepare import PreparedScenario, prepare
from allocator.pipeline.run import solve
from allocator.rules.objective import SCALE
from allocator.students.arcs import add_arcs
from allocator.students.stage import StudentOutcome
from allocator.verification import verify_result

from .choose_speed import county as choose_county

REF = Path(__file__).resolve().parent / "reference"
ROOT = REF.parent.parent


class ReferenceError(ValueError):
    """A reference entry that cannot be built as recorded (a generator that changed)."""


def load_reference() -> dict:
    """The frozen reference set (`benchmarks/reference/instances.json`)."""
    return json.loads((REF / "instances.json").read_text(encoding="utf-8"))


def canonical_sha256(d: dict) -> str:
    """SHA-256 of a scenario dict's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_dict(entry: dict) -> dict:
    """The scenario of a reference entry as a JSON dict, checked against its SHA-256:
    a repository file (`file`), a seeded generated county (`generate`: the arguments of
    `generate_county`) or the `choose` benchmark county (`choose_speed`)."""
    built = entry["built"]
    if "file" in built:
        d = json.loads((ROOT / built["file"]).read_text(encoding="utf-8"))
    elif "generate" in built:
        g = built["generate"]
        d = generate_county(g["schools"], g["blocks"], seed=g["seed"], tight=g["tight"])
        d = json.loads(json.dumps(d))
    elif "choose_speed" in built:
        d = choose_county(**built["choose_speed"])
    else:
        raise ReferenceError(f"{entry['name']}: unknown recipe {built}")
    digest = canonical_sha256(d)
    if built.get("sha256") and digest != built["sha256"]:
        raise ReferenceError(f"{entry['name']}: scenario changed since the reference was "
                             f"frozen (sha256 {digest[:12]}, recorded {built['sha256'][:12]})")
    return d


def build_scenario(entry: dict, time_limit: float | None = None,
                   workers: int | None = None) -> Scenario:
    """The entry's scenario, with the time limit and workers given (when given)."""
    d = scenario_dict(entry)
    opts = d.setdefault("options", {})
    if time_limit is not None:
        opts["time_limit_s"] = time_limit
    if workers is not None:
        opts["workers"] = workers
    return parse_scenario(d)


def read_plan(name: str) -> list[tuple[str, str, str, str]] | None:
    """The stored best plan of `name`: (block, level, grades, school) rows, or None."""
    path = REF / "plans" / f"{name}.csv.gz"
    if not path.exists():
        return None
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    return [(r["block"], r["level"], r["grades"], r["school"])
            for r in csv.DictReader(io.StringIO(text))]


def write_plan(name: str, rows: list[tuple[str, str, str, str]]) -> Path:
    """Store a plan's rows (block, level, grades, school) as `plans/<name>.csv.gz`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["block", "level", "grades", "school"])
    w.writerows(rows)
    path = REF / "plans" / f"{name}.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))
    return path


def plan_outcome(prepared: PreparedScenario, rows: list[tuple[str, str, str, str]]
                 ) -> StudentOutcome:
    """The plan `rows` as a StudentOutcome on the prepared problem's arcs (arcs the plan
    uses that are not candidates are added). Raises ReferenceError when a unit of the
    current model has no row or its school is not admissible."""
    problem = prepared.students
    inst, units, arcs = problem.instance, problem.units, problem.arcs
    sidx, bidx = inst.school_index(), inst.block_index()
    want: dict[tuple[int, int, str], int] = {}
    for block, level, grades, school in rows:
        want[(bidx[block], 0 if level == "primary" else 1, grades)] = sidx[school]
    school = np.empty(len(units), dtype=np.int64)
    for u in range(len(units)):
        grades = "-".join(str(g + 1) for g in np.flatnonzero(units.grades[u])[[0, -1]])
        key = (int(units.block[u]), int(units.level[u]), grades)
        alt = (key[0], key[1], grades.split("-")[0]) if grades[0] == grades[-1] else key
        if key not in want and alt not in want:
            raise ReferenceError(f"plan has no row for block {inst.block_ids[key[0]]} "
                                 f"level {key[1]} grades {grades}")
        school[u] = want.get(key, want.get(alt))
    arcs = add_arcs(inst, units, arcs, np.arange(len(units)), school)
    start = arcs.start(len(units))
    choice = np.empty(len(units), dtype=np.int64)
    for u in range(len(units)):
        hit = np.flatnonzero(arcs.school[start[u]: start[u + 1]] == school[u])
        if len(hit) == 0:
            raise ReferenceError(f"unit {u}: school {inst.school_ids[school[u]]} inadmissible")
        choice[u] = start[u] + hit[0]
    return StudentOutcome(arcs=arcs, choice=choice, bound=0, cp_status="reference")


def evaluate_plan(scenario: Scenario, rows: list[tuple[str, str, str, str]]
                  ) -> tuple[float, list[str]]:
    """The objective of plan `rows` under the current model (pupil-km equivalents), as the
    result builder computes it, and what the independent verifier flags about it (rule
    `bound` aside: the plan carries no bound)."""
    prepared = prepare(scenario, stage="students")
    outcome = plan_outcome(prepared, rows)
    result = assemble_result(prepared, outcome, strict=False, solver_info={}, timings={},
                             warnings=[])
    report = verify_result(scenario, result)
    flags = [str(p) for p in report.problems if "bound" not in str(p)]
    return float(result.objective), flags


def closed_share(bound: float | None, flow: float | None, best_bound: float | None
                 ) -> float | None:
    """Share of the distance from the flow bound to the best proven bound that `bound`
    closes (None when a figure is missing or the distance is nil)."""
    if bound is None or flow is None or best_bound is None or best_bound <= flow:
        return None
    return round((bound - flow) / (best_bound - flow), 4)


def run_instance(entry: dict, time_scale: float = 1.0, workers: int | None = None) -> dict:
    """Solve the entry's scenario at its target time limit x `time_scale` (students stage)
    and compare with the frozen values."""
    limit = float(entry["target_time_limit_s"]) * time_scale
    sc = build_scenario(entry, time_limit=limit, workers=workers)
    t = time.perf_counter()
    res = solve(sc, stage="students")
    wall = time.perf_counter() - t
    best = (entry.get("best_plan") or {}).get("objective")
    proven = (entry.get("best_bound") or {}).get("value")
    solver = res.solver.model_dump() if res.solver is not None else {}
    flow = solver.get("flow_bound")
    row = {"name": entry["name"], "time_limit_s": limit, "wall_s": round(wall, 2),
           "status": res.status, "objective": res.objective, "lower_bound": res.lower_bound,
           "gap": res.gap, "flow_bound": flow, "class_bound": solver.get("class_bound"),
           "bound_method": solver.get("bound_method"),
           "best_plan": best, "best_bound": proven,
           "load": round(os.getloadavg()[0], 2)}
    row["excess"] = (None if best is None or res.objective is None
                     else round(res.objective / best - 1, 6))
    row["closed"] = closed_share(res.lower_bound, flow, proven)
    row["bound_above_best_plan"] = bool(best is not None and res.lower_bound is not None
                                        and res.lower_bound > best + 1 / SCALE)
    return row


def reference_markdown(rows: list[dict]) -> str:
    """The reference table as Markdown."""
    def f(v, fmt="{:,.1f}"):
        return "not measured" if v is None else fmt.format(v)

    out = ["| instance | limit s | our plan | best known plan | excess | our bound | flow "
           "bound | best proven bound | closed | gap | wall s | load |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(
            f"| {r['name']} | {r['time_limit_s']:g} | {f(r['objective'])} | "
            f"{f(r['best_plan'])} | {f(r['excess'], '{:.2%}')} | {f(r['lower_bound'])} | "
            f"{f(r['flow_bound'])} | {f(r['best_bound'])} | {f(r['closed'], '{:.0%}')} | "
            f"{f(r['gap'], '{:.2%}')} | {r['wall_s']:.1f} | {r['load']:.1f} |")
    return "\n".join(out)
