"""The rest of a solve whose layout has `choose` operations: search, bound, result.

Called by `solve.solve_scenario` once the flow relaxation with every candidate open exists.
The lower bound reported is the largest of three valid bounds:
- the flow bound with all candidates open plus the cheapest fixed costs any admissible open
  set pays (more open schools can only lower the travel and penalty part);
- the Lagrangian bound of `choose_bound` (it charges closures);
- CP-SAT's bound on the whole model with open variables, where it ran, lowered as far as a
  plan using an arc outside the model could go (flow bound + reduced-cost margin of the
  cheapest such arc + the cheapest fixed costs).
"""

from __future__ import annotations

import time

import numpy as np

from allocator.layout.operations import Layout
from allocator.metrics.kpis import compute_kpis
from allocator.model.policy import Policy
from allocator.model.result import Result
from allocator.model.scenario import Scenario
from allocator.rules.objective import SCALE
from allocator.students.choose.model import build_choose_model, complete_open, fixed_cost_of
from allocator.students.choose.search import search_choose
from allocator.students.contiguity import catchment_parts
from allocator.students.rows import build_assignments, build_objective, build_schools

from .outcome import attach_reports, with_fixed_costs
from .student_stage import Event, Progress, excluded_margin, plan_status, relative_gap


def solve_with_choose(scenario: Scenario, policy: Policy, layout: Layout, inst, units, arcs,
                      rel, edges: np.ndarray, base: Result, solver_info: dict, strict: bool,
                      limit: float, t_start: float, timings: dict[str, float],
                      say: Progress) -> Result:
    """Search open sets and plans within the time limit and build the result: only the
    kept schools are listed, `layout.choose[]` names the kept and closed candidates, the
    objective includes the kept candidates' fixed costs."""
    opts = scenario.options
    t = time.perf_counter()
    cm = build_choose_model(inst, layout)
    f_min = cm.min_fixed()
    bound = rel.bound + f_min
    say(Event("search", f"choose: {int(cm.is_cand.sum())} candidates", bound=bound / SCALE))

    def report(message: str, cost: int, b: int) -> None:
        say(Event("search", message, cost / SCALE, b / SCALE, relative_gap(cost, b)))

    out = search_choose(inst, units, arcs, rel, cm, strict=strict, deadline=t_start + limit,
                        target_gap=opts.relative_gap, workers=opts.workers, seed=opts.seed,
                        k=opts.candidates_k, bound=bound, report=report)
    full, choice = out.arcs, out.choice
    if out.lagrange_bound is not None:
        bound = max(bound, out.lagrange_bound)
    if out.cp_bound is not None:
        margin = excluded_margin(inst, units, full, rel)
        bound = max(bound, min(out.cp_bound, rel.bound + margin + f_min))
    timings["search"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    used = np.zeros(inst.n_schools, dtype=bool)
    used[full.school[choice]] = True
    open_mask = complete_open(cm, used)
    assert open_mask is not None, "the search keeps each operation's range"
    rows_all, violations, pen_total = build_schools(inst, units, full, choice)
    schools = with_fixed_costs([s for j, s in enumerate(rows_all) if open_mask[j]], layout)
    fixed = fixed_cost_of(cm, open_mask)
    obj_units = int(full.cost[choice].sum()) + pen_total + fixed
    status, message = plan_status(strict, bool(violations), obj_units, bound)
    terms = build_objective(inst, units, full, choice, violations, pen_total)
    terms = terms.model_copy(update={"fixed_cost": fixed / SCALE, "total": obj_units / SCALE})
    rows = build_assignments(inst, units, full, choice)
    kept = {spec.index: [c for c, j in zip(spec.candidates, m, strict=True) if open_mask[j]]
            for spec, m in zip(cm.specs, cm.members, strict=True)}
    solver_info = {**solver_info, "arcs": len(full), "cp_status": out.cp_status, **out.stats,
                   "lagrange_bound": (None if out.lagrange_bound is None
                                      else out.lagrange_bound / SCALE),
                   "min_fixed_cost": f_min / SCALE}
    result = base.model_copy(update=dict(
        status=status, objective=obj_units / SCALE, lower_bound=bound / SCALE,
        gap=round(relative_gap(obj_units, bound), 6), objective_terms=terms,
        solver=solver_info, students={"assignments": rows}, schools=schools,
        violations=violations, kpis=compute_kpis(rows, schools, policy), message=message,
        catchments=catchment_parts(inst, units, full, choice, edges)))
    result = attach_reports(result, scenario, policy, layout, kept)
    timings["report"] = round(time.perf_counter() - t, 3)
    timings["total"] = round(time.perf_counter() - t_start, 3)
    result.timings = timings
    say(Event("done", status, result.objective, result.lower_bound, result.gap))
    return result
