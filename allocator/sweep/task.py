"""The task a sweep runs for one variant, in whatever process or Dask worker gets it.

`solve_variant(task, base)` builds the variant scenario (the base scenario's JSON with the
task's top-level `replace` values swapped in), validates it, solves the stages asked for and
answers with the Result; a task with `horizon` (first, last) plans those school years
(`allocator plan`) and answers with the plan folder's files and its timeline. It needs
nothing from the sweep machinery, so a Dask worker needs only this package installed. A
variant's own failure (bad input, a solver error) is part of the answer, never an
exception, so the sweep goes on with the others.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from typing import Any

from allocator.horizon import Plan, horizon_totals, plan_files, plan_horizon
from allocator.model.findings import ScenarioError
from allocator.model.loading import parse_scenario
from allocator.pipeline import solve

WORST = ("error", "infeasible", "unknown", "feasible", "optimal")


def plan_status(statuses: list[str]) -> str:
    """A plan's status: the worst of its years' (error, infeasible, unknown, feasible,
    optimal in that order; an unlisted status counts as unknown)."""
    rank = {s: i for i, s in enumerate(WORST)}
    return min(statuses, key=lambda s: rank.get(s, 2)) if statuses else "unknown"


def plan_answer(plan: Plan) -> dict[str, Any]:
    """What a horizon variant answers: the plan folder's files (relative path -> text),
    its status, timeline rows and horizon totals."""
    rows = plan.rows()
    return {"files": plan_files(plan), "status": plan_status([r["status"] for r in rows]),
            "rows": rows, "totals": horizon_totals(rows)}


def solve_variant(task: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Solve one variant. Answers {"ok": True, "result": Result, ...} (a horizon plan:
    {"ok": True, "plan": `plan_answer`, ...}) or {"ok": False,
    "error": text naming the record and field (bad input; "final": True, since the same
    content fails the same way) or the traceback (an unexpected failure; "final": False)};
    both with "seconds" (wall time here) and "worker" (host:pid)."""
    t0 = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        scenario = parse_scenario({**base, **task["replace"]}, task["label"])
        span = task.get("horizon")
        if span is not None:
            plan = plan_horizon(scenario, years=(span[0], span[1]))
            return {"ok": True, "plan": plan_answer(plan), "worker": worker,
                    "seconds": round(time.perf_counter() - t0, 3)}
        result = solve(scenario, stage=task["stage"])
        return {"ok": True, "result": result, "worker": worker,
                "seconds": round(time.perf_counter() - t0, 3)}
    except ScenarioError as exc:  # the same content fails the same way: final
        text = ("the variant cannot be solved: its scenario has "
                f"{len(exc.findings)} problem(s)\n"
                + "".join(f"  - {f}\n" for f in exc.findings))
        final = True
    except Exception:
        text = "the solve failed with an error:\n" + traceback.format_exc()
        final = False
    return {"ok": False, "error": text, "final": final, "worker": worker,
            "seconds": round(time.perf_counter() - t0, 3)}
