"""Peer solvers on the same instances: plain CP-SAT, HiGHS, PuLP + CBC, each in a subprocess.

For a published instance the peers solve `peer_models.assignment_milp`; for a county they
solve `peer_models.county_milp`, the planner's student model over the same candidate arcs.
Each peer gets the same time limit as ours and runs in its own process
(`benchmarks.peer_run`); its plan is decoded and re-costed independently (the shared checker
for published instances, the engine's own objective evaluation for counties) before it is
reported. A peer whose package is missing is skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from allocator.rules.objective import SCALE

from .checkers import CheckerDisagrees, verify_plan
from .counties import SEED, SIZES, TIME_LIMITS, solve_in_subprocess
from .mip import Milp, decode
from .orlib import Published
from .peer_models import assignment_milp, county_milp, peer_arcs
from .published import TIME_LIMITS as ORLIB_LIMITS
from .published import solve_published

PEERS = ("cpsat", "highs", "cbc")
PACKAGES = {"cpsat": "ortools", "highs": "highspy", "cbc": "pulp"}
DEFAULT_ORLIB = ["gap12-1", "c10200", "d10200", "e10200", "d20200", "pmedcap1-11", "SJC2"]
DEFAULT_COUNTIES = ["S", "S-tight", "M"]
ROOT = Path(__file__).resolve().parents[1]


def missing_reason(peer: str) -> str | None:
    """Why `peer` cannot run here (its package is not installed), or None."""
    pkg = PACKAGES[peer]
    if importlib.util.find_spec(pkg) is None:
        return f"{pkg} not installed (pip install -e '.[bench]')"
    return None


def run_peer(peer: str, milp: Milp, limit: float, tmp: Path) -> dict:
    """Solve `milp` with `peer` in a fresh process; the result dict, or {'error': ...}."""
    reason = missing_reason(peer)
    if reason:
        return {"skipped": reason}
    model, out = tmp / f"{peer}.npz", tmp / f"{peer}.json"
    milp.save(model)
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-m", "benchmarks.peer_run", peer, str(model),
                            str(out), str(limit)], capture_output=True, text=True, cwd=ROOT,
                           timeout=3 * limit + 300)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer within {3 * limit + 300:.0f} s", "wall_s": None}
    wall = time.perf_counter() - t0
    if p.returncode != 0 or not out.exists():
        tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["(no output)"]
        return {"error": f"exit {p.returncode}: {tail[0][:200]}", "wall_s": round(wall, 2)}
    res = json.loads(out.read_text())
    res["wall_s"] = round(wall, 2)
    if peer == "highs" and res.get("ortools_loaded"):
        raise RuntimeError("the HiGHS peer process imported OR-Tools")
    return res


def _cell(res: dict) -> dict:
    """The figures of a peer run worth keeping; `time_s` is model building plus solving
    (interpreter start and file loading excluded, as for ours)."""
    keep = ("status", "bound", "solve_s", "build_s", "wall_s", "skipped", "error")
    out = {k: res[k] for k in keep if k in res and res[k] is not None}
    for k in ("solve_s", "build_s", "bound"):
        if isinstance(out.get(k), float):
            out[k] = round(out[k], 4 if k == "bound" else 2)
    if "solve_s" in out:
        out["time_s"] = round(out["solve_s"] + out.get("build_s", 0.0), 2)
    return out


def peer_published(inst: Published, data_dir: Path, limit: float | None,
                   peers: list[str]) -> dict:
    """Ours and each peer on one published instance, every plan checked by the checker."""
    limit = limit if limit is not None else ORLIB_LIMITS.get(inst.family, 60.0)
    ours = solve_published(inst, limit, data_dir)
    arcs, how = peer_arcs(inst.problem)
    milp = assignment_milp(inst.problem, arcs)
    row = {"instance": inst.name, "family": inst.family, "optimum": inst.optimum,
           "time_limit_s": limit, "peer_model": f"{how}, {int(arcs.sum())} arcs",
           "ours": {k: ours.get(k) for k in ("value", "gap_to_opt", "bound", "proven",
                                             "wall_s", "status")}}
    with tempfile.TemporaryDirectory() as tmp:
        for peer in peers:
            res = run_peer(peer, milp, limit, Path(tmp))
            cell = _cell(res)
            x = res.get("x")
            assign = decode(milp, np.array(x), inst.problem.n) if x is not None else None
            if assign is not None:
                try:
                    value = verify_plan(inst, assign, float(res["objective"]), data_dir, peer)
                    cell.update(value=round(value, 4), check="agrees")
                    if inst.optimum:
                        cell["gap_to_opt"] = round((value - inst.optimum) / inst.optimum, 6)
                except CheckerDisagrees as exc:
                    cell["check"] = f"rejected: {exc}"
                    print(f"PEER PLAN REJECTED: {exc}", file=sys.stderr)
            elif "skipped" not in cell and "error" not in cell:
                cell["value"] = None
            row[peer] = cell
            _progress(inst.name, peer, cell)
    return row


def county_case(size: str, tight: bool):
    """The generated county of `size` and the planner's units and candidate arcs for it."""
    from allocator.io.generate import generate_county
    from allocator.layout import apply_layout
    from allocator.model.loading import parse_scenario
    from allocator.model.policy import resolve_policy
    from allocator.rules.objective import penalty_units
    from allocator.students.arcs import build_candidates, build_units
    from allocator.students.problem import build_instance_checked, lock_map

    n_s, n_b = SIZES[size]
    sc = parse_scenario(generate_county(n_s, n_b, seed=SEED, tight=tight))
    policy = resolve_policy(sc.policy.profile, sc.policy.overrides)
    inst, _ = build_instance_checked(sc, policy, apply_layout(sc, policy))
    units = build_units(inst, lock_map(inst))
    arcs = build_candidates(inst, units, sc.options.candidates_k)
    return sc, inst, units, arcs, penalty_units(policy)


def county_objective(inst, units, arcs, school_of_unit: np.ndarray) -> tuple[float, int]:
    """The engine's objective (pupil-km equivalents) of a school per unit, and the number
    of rules broken, evaluated exactly as the planner's result is."""
    from allocator.rules.objective import SCALE
    from allocator.students.rows import build_schools

    start = arcs.start(len(units))
    choice = np.empty(len(units), dtype=np.int64)
    for u in range(len(units)):
        seg = np.arange(start[u], start[u + 1])
        hit = seg[arcs.school[seg] == school_of_unit[u]]
        if len(hit) == 0:
            raise CheckerDisagrees(f"unit {u}: school {school_of_unit[u]} is not an arc")
        choice[u] = hit[0]
    _, violations, pen = build_schools(inst, units, arcs, choice)
    return (int(arcs.cost[choice].sum()) + pen) / SCALE, len(violations)


def peer_county(name: str, limit: float | None, peers: list[str]) -> dict:
    """Ours (the planner's solve) and each peer on one generated county."""
    size, tight = name.split("-")[0], name.endswith("-tight")
    limit = limit if limit is not None else TIME_LIMITS[size]
    ours = solve_in_subprocess(size, tight, limit)
    sc, inst, units, arcs, pen = county_case(size, tight)
    milp = county_milp(inst, units, arcs, pen, elastic=not sc.options.strict)
    lb = ours.get("lower_bound")
    row = {"instance": name, "family": "county", "time_limit_s": limit,
           "peer_model": f"{sc.options.candidates_k} nearest, {len(arcs)} arcs, "
                         f"{milp.n_vars} vars, {milp.n_rows} rows",
           "ours": {k: ours.get(k) for k in ("objective", "lower_bound", "gap", "wall_s",
                                             "status", "error")}}
    with tempfile.TemporaryDirectory() as tmp:
        for peer in peers:
            res = run_peer(peer, milp, limit, Path(tmp))
            cell = _cell(res)
            x = res.get("x")
            schools = decode(milp, np.array(x), len(units)) if x is not None else None
            if schools is not None:
                value, broken = county_objective(inst, units, arcs, schools)
                claimed = float(res["objective"]) / SCALE
                if value > claimed + 1e-6 * max(1.0, abs(value)) + 0.01:
                    cell["check"] = (f"rejected: the plan costs {value:.2f}, the peer "
                                     f"claimed {claimed:.2f}")
                    print(f"PEER PLAN REJECTED ({name}, {peer}): {cell['check']}",
                          file=sys.stderr)
                else:
                    cell.update(value=round(value, 2), violations=broken, check="agrees")
                    if lb is not None:
                        cell["gap_to_bound"] = round(max(0.0, value - lb) / max(value, 1e-9),
                                                     6)
                if cell.get("bound") is not None:
                    cell["bound"] = round(float(cell["bound"]) / SCALE, 2)  # arcs-only bound
            row[peer] = cell
            _progress(name, peer, cell)
    return row


def _progress(name: str, peer: str, cell: dict) -> None:
    what = cell.get("skipped") or cell.get("error") or (
        f"{cell.get('value')} ({cell.get('status')}, {cell.get('time_s')} s)")
    print(f"  {name} / {peer}: {what}", file=sys.stderr, flush=True)
