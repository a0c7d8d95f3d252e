"""Run one peer solver on one saved MILP: `python -m benchmarks.peer_run SOLVER MODEL OUT T`.

SOLVER is `cpsat` (plain CP-SAT: no bound, no hint, 8 workers), `highs` (HiGHS MIP via
highspy) or `cbc` (PuLP's bundled CBC). Writes OUT (JSON): status, objective, bound, solve
and build seconds, and the solution vector. This process imports numpy, the model file
reader and the one solver it runs, nothing else of the project: highspy >= 1.15 must never
share a process with OR-Tools (undefined-symbol crash).
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .mip import Milp, load_milp


def _csc(milp: Milp):
    order = np.lexsort((milp.rows, milp.cols))
    cols, rows, vals = milp.cols[order], milp.rows[order], milp.vals[order]
    start = np.searchsorted(cols, np.arange(milp.n_vars + 1))
    return start.astype(np.int32), rows.astype(np.int32), vals


def run_highs(milp: Milp, limit: float) -> dict:
    """HiGHS MIP on `milp` within `limit` seconds."""
    import highspy

    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(limit))
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = milp.n_vars, milp.n_rows
    lp.col_cost_ = milp.cost
    lp.col_lower_, lp.col_upper_ = milp.lower, np.where(np.isinf(milp.upper), inf, milp.upper)
    lp.row_lower_ = np.where(np.isinf(milp.row_lower), -inf, milp.row_lower)
    lp.row_upper_ = np.where(np.isinf(milp.row_upper), inf, milp.row_upper)
    start, index, value = _csc(milp)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = start, index, value
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in milp.integer]
    h.passModel(lp)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    return {"status": status, "optimal": status == "Optimal",
            "objective": info.objective_function_value if has else None,
            "bound": info.mip_dual_bound, "build_s": t1 - t0, "solve_s": t2 - t1,
            "x": list(h.getSolution().col_value) if has else None}


def run_cbc(milp: Milp, limit: float) -> dict:
    """CBC (PuLP's bundled binary) on `milp` within `limit` seconds."""
    import pulp

    t0 = time.perf_counter()
    prob = pulp.LpProblem(milp.name or "peer", pulp.LpMinimize)
    xs = [pulp.LpVariable(f"v{k}", lowBound=float(milp.lower[k]),
                          upBound=None if np.isinf(milp.upper[k]) else float(milp.upper[k]),
                          cat=pulp.LpInteger if milp.integer[k] else pulp.LpContinuous)
          for k in range(milp.n_vars)]
    prob += pulp.LpAffineExpression([(xs[k], float(c)) for k, c in enumerate(milp.cost)
                                     if c != 0])
    order = np.argsort(milp.rows, kind="stable")
    starts = np.searchsorted(milp.rows[order], np.arange(milp.n_rows + 1))
    for r in range(milp.n_rows):
        idx = order[starts[r]: starts[r + 1]]
        expr = pulp.LpAffineExpression([(xs[int(milp.cols[t])], float(milp.vals[t]))
                                        for t in idx])
        lo, hi = milp.row_lower[r], milp.row_upper[r]
        if lo == hi:
            prob += expr == float(lo)
        else:
            if not np.isinf(hi):
                prob += expr <= float(hi)
            if not np.isinf(lo):
                prob += expr >= float(lo)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=float(limit), logPath=str(log))
        t1 = time.perf_counter()
        prob.solve(solver)
        t2 = time.perf_counter()
        text = log.read_text(errors="replace") if log.exists() else ""
    m = re.findall(r"(?:Lower bound|Best possible):\s*([-+0-9.eE]+)", text)
    sol = getattr(prob, "sol_status", None)
    status = {1: "optimal", 2: "feasible (time limit)"}.get(sol, pulp.LpStatus[prob.status])
    values = [v.varValue for v in xs]
    has = all(v is not None for v in values) and sol in (1, 2)
    return {"status": status, "optimal": sol == 1,
            "objective": pulp.value(prob.objective) if has else None,
            "bound": float(m[-1]) if m else None, "build_s": t1 - t0, "solve_s": t2 - t1,
            "x": [float(v) for v in values] if has else None}


def run_cpsat(milp: Milp, limit: float) -> dict:
    """Plain CP-SAT (8 workers, no hint) on `milp` with its integer costs."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    m = cp_model.CpModel()
    v = [m.new_int_var(int(milp.lower[k]), int(milp.upper[k]), "") for k in range(milp.n_vars)]
    order = np.argsort(milp.rows, kind="stable")
    starts = np.searchsorted(milp.rows[order], np.arange(milp.n_rows + 1))
    for r in range(milp.n_rows):
        idx = order[starts[r]: starts[r + 1]]
        expr = cp_model.LinearExpr.weighted_sum([v[int(milp.cols[t])] for t in idx],
                                                [int(milp.vals[t]) for t in idx])
        lo, hi = milp.row_lower[r], milp.row_upper[r]
        if not np.isinf(lo):
            m.add(expr >= int(np.ceil(lo)))
        if not np.isinf(hi):
            m.add(expr <= int(np.floor(hi)))
    nz = np.flatnonzero(milp.int_cost)
    m.minimize(cp_model.LinearExpr.weighted_sum([v[k] for k in nz],
                                                milp.int_cost[nz].tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(limit)
    solver.parameters.num_workers = 8
    t1 = time.perf_counter()
    st = solver.solve(m)
    t2 = time.perf_counter()
    has = st in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    x = [float(solver.value(var)) for var in v] if has else None
    scale = milp.int_scale
    return {"status": solver.status_name(st), "optimal": st == cp_model.OPTIMAL,
            "objective": float(np.dot(milp.cost, x)) if has else None,
            "bound": solver.best_objective_bound / scale if has else None,
            "build_s": t1 - t0, "solve_s": t2 - t1, "x": x}


RUNNERS = {"cpsat": run_cpsat, "highs": run_highs, "cbc": run_cbc}


def _check_vals_integral(milp: Milp, solver: str) -> None:
    if solver == "cpsat" and not np.all(milp.vals == np.rint(milp.vals)):
        raise SystemExit("cpsat peer needs integer constraint coefficients")


def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module docstring."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4 or args[0] not in RUNNERS:
        print(__doc__, file=sys.stderr)
        return 2
    solver, model, out, limit = args[0], Path(args[1]), Path(args[2]), float(args[3])
    milp = load_milp(model)
    _check_vals_integral(milp, solver)
    res = RUNNERS[solver](milp, limit)
    res["solver"] = solver
    res["ortools_loaded"] = "ortools" in sys.modules
    out.write_text(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
