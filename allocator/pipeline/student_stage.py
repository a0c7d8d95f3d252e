"""The student stage of a prepared scenario: flow bound with pricing, search, result.

The lower bound reported is valid for the unpruned problem (see `students.stage`). In strict
mode, rules proven impossible (the flow finds no room for some pupils even splitting blocks
freely, or CP-SAT proves it on every admissible arc) are explained by the least-bad plan of
an elastic solve of the same prepared scenario, within the time left.
"""

from __future__ import annotations

import time

from allocator.model.budget import Budget
from allocator.model.result import Result, Violation
from allocator.model.sections import SolverStats
from allocator.rules.objective import SCALE
from allocator.students import repair_kernel
from allocator.students.choose.model import check_choose_cover
from allocator.students.choose.stage import search_open_set
from allocator.students.day_radius import describe_stranded, harden_day_radius
from allocator.students.flow_bound import relax_with_pricing
from allocator.students.stage import search_students

from .assemble import assemble_result
from .prepare import PreparedScenario


class Laps:
    """Seconds per step of a solve, in the order the steps ran."""

    def __init__(self, timings: dict[str, float] | None = None):
        self.timings = dict(timings or {})
        self.t0 = self.t = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.t, 3)
        self.t = now


def summarize(violations: list[Violation]) -> str:
    """Short text of the rules broken, by rule, with the schools involved."""
    by_rule: dict[str, list[str]] = {}
    for v in violations:
        by_rule.setdefault(v.rule, []).append(f"{v.subject} ({v.amount:g} {v.unit})")
    return "; ".join(f"{rule} at {', '.join(items[:8])}" + (" ..." if len(items) > 8 else "")
                     for rule, items in by_rule.items())


def run_student_stage(prepared: PreparedScenario, budget: Budget, strict: bool) -> Result:
    """The student stage within `budget` (its clock already running: preparing the
    scenario counts). Never raises for a valid prepared scenario."""
    problem = prepared.students
    assert problem is not None, "prepared for the student stage"
    laps = Laps(prepared.timings)
    if strict:  # rule young_beyond_day_radius is hard
        problem, stranded = harden_day_radius(problem)
        cover = check_choose_cover(problem.instance, problem.units, problem.layout)
        if len(stranded) or cover:
            reason = (describe_stranded(problem.instance, problem.units, stranded)
                      if len(stranded) else cover[0].message)
            return explain_infeasible(prepared, reason, budget, {}, laps.timings)
    inst, units = problem.instance, problem.units
    budget.say("bound", f"{len(units)} units, {len(problem.arcs)} arcs: flow relaxation")
    repair_kernel.warm_up()  # the warm start's compiled moves, ready after the relaxation
    rel, arcs = relax_with_pricing(inst, units, problem.arcs, elastic=not strict,
                                   deadline=budget.at(0.3))
    laps("bound")
    solver_info = {"units": len(units), "arcs": len(arcs),
                   "k": prepared.scenario.options.candidates_k,
                   "pricing_rounds": rel.rounds, "arcs_added": rel.arcs_added,
                   "flow_bound": rel.bound / SCALE}
    if strict and not rel.feasible:
        towns: dict[str, int] = {}
        for u in rel.unplaced_units:
            town = prepared.scenario.blocks[units.block[u]].township or "(no township)"
            towns[town] = towns.get(town, 0) + 1
        solver_info["unplaced_blocks_by_township"] = towns
        reason = (f"even splitting blocks freely, {rel.shortfall} pupils find no seat, room "
                  "or bed within the rules")
        return explain_infeasible(prepared, reason, budget, solver_info, laps.timings)
    search = search_open_set if problem.layout.choose else search_students
    outcome = search(problem, arcs, rel, strict=strict, budget=budget, laps=laps)
    if outcome.proven_infeasible:
        return explain_infeasible(prepared, "CP-SAT proves that no plan meets every rule",
                                  budget, solver_info, laps.timings)
    t = time.perf_counter()
    result = assemble_result(prepared, outcome, strict=strict, solver_info=solver_info,
                             timings=laps.timings, warnings=list(problem.warnings))
    result.timings["report"] = round(time.perf_counter() - t, 3)
    result.timings["total"] = round(budget.elapsed(), 3)
    return result


def explain_infeasible(prepared: PreparedScenario, reason: str, budget: Budget,
                       solver_info: dict, timings: dict[str, float]) -> Result:
    """Strict rules proven impossible: the least-bad (elastic) plan, found within the time
    left (at least 1 s), with status `infeasible` and a message naming the rules it breaks."""
    budget.say("explain", f"strict rules cannot all hold ({reason}); finding the least-bad "
                          "plan to explain which")
    quiet = budget.with_progress(None).with_limit(max(1.0, budget.remaining()))
    elastic = run_student_stage(prepared, quiet, strict=False)
    message = (f"the rules cannot all hold: {reason}. The least-bad plan breaks: "
               + summarize(elastic.violations))
    timings["total"] = round(budget.elapsed(), 3)
    solver = SolverStats(**{**solver_info, "explained_by": "elastic solve",
                            **elastic.solver.model_dump()})
    return elastic.model_copy(update=dict(status="infeasible", strict=True, message=message,
                                          timings=timings, solver=solver))
