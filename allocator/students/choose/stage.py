"""The student stage of a layout with `choose` operations: open set, plan and bound.

Called once the flow relaxation with every candidate open exists. The lower bound is the
largest of four valid bounds:
- the flow bound with all candidates open plus the cheapest fixed costs any admissible open
  set pays (more open schools can only lower the travel and penalty part);
- the Lagrangian bound of `choose.bound` (it charges closures);
- the decomposition by school with whole classes of `choose.class_terms` (closures and
  class rounding), on models too large for CP-SAT to solve whole;
- CP-SAT's bound on the whole model with open variables, where it ran, lowered as far as a
  plan using an arc outside the model could go (flow bound + reduced-cost margin of the
  cheapest such arc + the cheapest fixed costs).
"""

from __future__ import annotations

import numpy as np

from allocator.model.budget import Budget
from allocator.rules.objective import SCALE

from ..arcs import Arcs
from ..flow_bound import FlowRelaxation
from ..problem import StudentProblem
from ..stage import StudentOutcome, excluded_margin
from .model import build_choose_model, complete_open, fixed_cost_of
from .search import search_choose


def search_open_set(problem: StudentProblem, arcs: Arcs, rel: FlowRelaxation, *, strict: bool,
                    budget: Budget, laps) -> StudentOutcome:
    """Which candidates stay open and the plan on them, within `budget`; the outcome holds
    the open schools, the candidates kept per operation and their fixed cost."""
    inst, units = problem.instance, problem.units
    cm = build_choose_model(inst, problem.layout)
    f_min = cm.min_fixed()
    bound = rel.bound + f_min
    budget.say("search", f"choose: {int(cm.is_cand.sum())} candidates", bound=bound / SCALE)
    out = search_choose(inst, units, arcs, rel, cm, strict=strict, budget=budget,
                        k=inst.scenario.options.candidates_k, bound=bound)
    full, choice = out.arcs, out.choice
    if out.lagrange_bound is not None:
        bound = max(bound, out.lagrange_bound)
    if out.class_bound is not None:
        bound = max(bound, out.class_bound)
    if out.cp_bound is not None:
        margin = excluded_margin(inst, units, full, rel)
        bound = max(bound, min(out.cp_bound, rel.bound + margin + f_min))
    laps("search")
    used = np.zeros(inst.n_schools, dtype=bool)
    used[full.school[choice]] = True
    open_mask = complete_open(cm, used)
    assert open_mask is not None, "the search keeps each operation's range"
    kept = {spec.index: [c for c, j in zip(spec.candidates, m, strict=True) if open_mask[j]]
            for spec, m in zip(cm.specs, cm.members, strict=True)}
    stats = {"arcs": len(full), "cp_status": out.cp_status, **out.stats,
             "lagrange_bound": (None if out.lagrange_bound is None
                                else out.lagrange_bound / SCALE),
             "min_fixed_cost": f_min / SCALE}
    return StudentOutcome(arcs=full, choice=choice, bound=bound, cp_status=out.cp_status,
                          stats=stats, open_mask=open_mask, kept=kept,
                          fixed=fixed_cost_of(cm, open_mask))
