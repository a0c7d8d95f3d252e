"""Synthetic-county suite: generated counties S, M, L, normal and tight, fixed seeds.

Each instance is generated and solved in its own subprocess (`solve_one`), so wall time and
peak memory (ru_maxrss of that process) are the solve's own.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SIZES = {"S": (50, 1000), "M": (200, 5000), "L": (400, 20000)}
TIME_LIMITS = {"S": 30.0, "M": 60.0, "L": 120.0}
SEED = 1


def instances(sizes: list[str], tight_too: bool = True) -> list[tuple[str, int, int, bool]]:
    """(name, schools, blocks, tight) for the chosen sizes."""
    out = []
    for s in sizes:
        n_s, n_b = SIZES[s]
        out.append((s, n_s, n_b, False))
        if tight_too:
            out.append((f"{s}-tight", n_s, n_b, True))
    return out


def solve_one(schools: int, blocks: int, tight: bool, time_limit: float, seed: int) -> dict:
    """Generate and solve one county in this process; returns the figures."""
    from allocator import generate_scenario, parse_scenario, solve

    sc = parse_scenario(generate_scenario(schools, blocks, seed=seed, tight=tight))
    t = time.perf_counter()
    r = solve(sc, stage="students", time_limit=time_limit)
    wall = time.perf_counter() - t
    return {"schools": schools, "blocks": blocks, "tight": tight, "pupils": r.kpis.pupils,
            "units": r.solver.units, "arcs": r.solver.arcs, "status": r.status,
            "objective": r.objective, "lower_bound": r.lower_bound, "gap": r.gap,
            "wall_s": round(wall, 2), "violations": len(r.violations),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def solve_in_subprocess(size: str, tight: bool, limit: float) -> dict:
    """Generate and solve county `size` (tight or not) in a fresh process: its figures, or
    {'error': last stderr line} when the process fails."""
    n_s, n_b = SIZES[size]
    code = (f"import json; from benchmarks.counties import solve_one; "
            f"print(json.dumps(solve_one({n_s}, {n_b}, {tight}, {limit}, {SEED})))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[1])
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["(no output)"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_counties(sizes: list[str], time_limit: float | None = None,
                 tight_too: bool = True) -> list[dict]:
    """Solve each instance in a fresh subprocess and collect its figures."""
    rows = []
    for name, _, _, tight in instances(sizes, tight_too):
        limit = time_limit if time_limit is not None else TIME_LIMITS[name[0]]
        row = solve_in_subprocess(name[0], tight, limit)
        rows.append({"instance": name, "time_limit_s": limit, **row})
        print(f"{name}: {row.get('objective', row.get('error'))} gap {row.get('gap')} "
              f"{row.get('wall_s')} s", file=sys.stderr, flush=True)
    return rows
