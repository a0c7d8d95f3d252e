"""One solve of the student stage, end to end: scenario in, Result out.

checks -> instance -> units and candidate arcs -> flow bound with pricing -> rounded and
repaired hint -> CP-SAT -> result rows, KPIs. The lower bound reported is valid for the
unpruned problem: the flow bound, raised to CP-SAT's bound on the candidate arcs only as far
as reduced costs prove that no excluded arc can appear in a better plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from allocator.layout.operations import apply_layout
from allocator.metrics.kpis import compute_kpis
from allocator.model.policy import Policy, resolve_policy
from allocator.model.result import Result
from allocator.model.scenario import Finding, Scenario, ScenarioError, School
from allocator.rules.objective import SCALE
from allocator.students.arcs import Arcs, Units, build_candidates, build_units, price_units
from allocator.students.checks import check_locks, check_scenario, check_units
from allocator.students.contiguity import block_adjacency, build_rule, catchment_parts, repair_plan
from allocator.students.distances import distance_matrix
from allocator.students.flow_bound import Relaxation, relax_with_pricing
from allocator.students.hint import warm_start
from allocator.students.instance import LEVEL_INDEX, Instance, build_instance
from allocator.students.rows import build_assignments, build_objective, build_schools
from allocator.students.search import search_plan

from .outcome import attach_reports, with_fixed_costs


@dataclass
class Event:
    """A progress report: the stage and, during search, incumbent / bound / gap."""

    stage: str
    message: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None


Progress = Callable[[Event], None]


def effective_schools(scenario: Scenario) -> list[School]:
    """The schools open in this scenario (layout operations applied; `allocator.layout`).
    Raises ScenarioError naming "layout[i] (op)" for an impossible operation."""
    return apply_layout(scenario).schools


def relative_gap(objective: int, bound: int) -> float:
    """(objective - bound) / objective, 0 when equal, in [0, 1]."""
    if objective <= bound:
        return 0.0
    return (objective - bound) / max(abs(objective), 1)


def plan_status(strict: bool, broken: bool, objective: int, bound: int) -> tuple[str, str | None]:
    """Status and message of a finished plan: in strict mode a plan that breaks a rule is
    `unknown` (none meeting every rule was found in time); else `optimal` when the objective
    reaches the bound, `feasible` otherwise."""
    if strict and broken:
        return "unknown", ("no plan that meets every rule was found within the time limit; "
                           "the violations show the best plan found")
    return ("optimal" if objective <= bound else "feasible"), None


def prepare(scenario: Scenario, policy: Policy) -> tuple[Instance, list[Finding]]:
    """Checks and the numeric instance; raises ScenarioError when an error is found."""
    lay = apply_layout(scenario, policy)  # layout operations (issue 4)
    schools = lay.schools
    findings = check_scenario(scenario, schools) + lay.warnings
    if any(f.severity == "error" for f in findings):
        raise ScenarioError([f for f in findings if f.severity == "error"])
    matrix, dist_findings = distance_matrix(scenario, schools)  # option distance (issue 5)
    if any(f.severity == "error" for f in dist_findings):
        raise ScenarioError([f for f in dist_findings if f.severity == "error"])
    findings += dist_findings
    inst = build_instance(scenario, policy, schools, distance_matrix=matrix,
                          renamed=lay.renamed)
    errors = check_locks(inst, scenario.options.locked)
    if errors:
        raise ScenarioError(errors)
    return inst, [f for f in findings if f.severity == "warning"]


def lock_map(inst: Instance) -> dict[tuple[int, int], int]:
    sidx, bidx = inst.school_index(), inst.block_index()
    return {(bidx[lk.block], LEVEL_INDEX[lk.level]): sidx[lk.school]
            for lk in inst.scenario.options.locked}


def excluded_margin(inst: Instance, units: Units, arcs: Arcs, rel: Relaxation) -> int:
    """Least increase over the flow bound of any plan that uses a non-candidate arc."""
    best_ex, val = price_units(inst, units, rel.school_value, rel.board_value, exclude=arcs)
    has = best_ex >= 0
    if not has.any():
        return np.iinfo(np.int64).max // 4
    return int((units.total[has] * (val[has] - rel.unit_best[has])).min())


def solve_scenario(scenario: Scenario, *, time_limit: float | None = None,
                   strict: bool | None = None, progress: Progress | None = None) -> Result:
    """Solve the student stage. Raises ScenarioError for bad input (nothing solved)."""
    t_start = time.perf_counter()
    opts = scenario.options
    strict = opts.strict if strict is None else strict
    limit = opts.time_limit_s if time_limit is None else time_limit
    say = progress or (lambda e: None)
    timings: dict[str, float] = {}

    def lap(name: str, t0: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - t0, 3)
        return now

    t = time.perf_counter()
    say(Event("checks", "checking the scenario"))
    policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    inst, warnings = prepare(scenario, policy)
    lay = apply_layout(scenario, policy)  # layout (issue 4): choose, fixed costs, roster
    edges = block_adjacency(scenario)  # for contiguity and each catchment's parts (issue 5)
    t = lap("checks", t)
    say(Event("arcs", f"{inst.n_blocks} blocks, {inst.n_schools} schools: candidate arcs"))
    units = build_units(inst, lock_map(inst))
    arcs = build_candidates(inst, units, opts.candidates_k)
    findings = check_units(inst, units, arcs)
    if any(f.severity == "error" for f in findings):
        raise ScenarioError([f for f in findings if f.severity == "error"])
    warnings += findings
    t = lap("arcs", t)
    say(Event("bound", f"{len(units)} units, {len(arcs)} arcs: flow relaxation"))
    rel, arcs = relax_with_pricing(inst, units, arcs, elastic=not strict,
                                   deadline=t_start + 0.3 * limit)
    t = lap("bound", t)
    base = Result(scenario=scenario.name, status="unknown", strict=strict,
                  warnings=warnings)
    solver_info = {"units": len(units), "arcs": len(arcs), "k": opts.candidates_k,
                   "pricing_rounds": rel.rounds, "arcs_added": rel.arcs_added,
                   "flow_bound": rel.bound / SCALE}
    if strict and not rel.feasible:
        towns: dict[str, int] = {}
        for u in rel.unplaced_units:
            town = scenario.blocks[units.block[u]].township or "(no township)"
            towns[town] = towns.get(town, 0) + 1
        solver_info["unplaced_blocks_by_township"] = towns
        reason = (f"even splitting blocks freely, {rel.shortfall} pupils find no seat, room "
                  "or bed within the rules")
        return explain_infeasible(scenario, base, reason, limit, t_start, timings,
                                  solver_info, say)
    if lay.choose:  # layout choose (issue 4): the solver picks which candidates stay open
        from .choose import solve_with_choose

        return solve_with_choose(scenario, policy, lay, inst, units, arcs, rel, edges, base,
                                 solver_info, strict, limit, t_start, timings, say)
    say(Event("hint", "rounding and repairing the relaxation", bound=rel.bound / SCALE))
    hint = warm_start(inst, units, arcs, rel, strict,
                      time_limit=0.2 * (limit - (time.perf_counter() - t_start)))
    rule = None
    if opts.contiguity:  # rule contiguity: the hint and every model obey it
        rule = build_rule(inst, units, arcs, edges)
        hint = repair_plan(inst, units, arcs, hint, rule)
        solver_info.update(rule.stats())
    _, _, hint_pen = build_schools(inst, units, arcs, hint)
    hint_cost = int(arcs.cost[hint].sum()) + hint_pen
    t = lap("hint", t)
    bound = rel.bound
    say(Event("hint", "warm start ready", hint_cost / SCALE, bound / SCALE,
              relative_gap(hint_cost, bound)))
    remaining = limit - (time.perf_counter() - t_start)
    say(Event("search", f"improving, {remaining:.0f} s left"))

    def report(message: str, cost: int, gap: float) -> None:
        say(Event("search", message, cost / SCALE, bound / SCALE, gap))

    found = search_plan(inst, units, arcs, hint, bound=bound, strict=strict,
                        deadline=t_start + limit, target_gap=opts.relative_gap,
                        workers=opts.workers, seed=opts.seed, report=report,
                        contiguity=rule)
    choice, cp_bound, cp_status, cp_stats = (found.choice, found.cp_bound, found.cp_status,
                                             found.stats)
    t = lap("search", t)
    if strict and cp_status == "infeasible" and _all_arcs(inst, units, arcs):
        return explain_infeasible(scenario, base, "CP-SAT proves that no plan meets every "
                                  "rule", limit, t_start, timings, solver_info, say)
    schools, violations, pen_total = build_schools(inst, units, arcs, choice)
    schools = with_fixed_costs(schools, lay)  # funding (issue 4)
    obj_units = int(arcs.cost[choice].sum()) + pen_total
    if cp_bound is not None:
        margin = excluded_margin(inst, units, arcs, rel)
        bound = max(bound, min(cp_bound, rel.bound + margin))
    status, message = plan_status(strict, bool(violations), obj_units, bound)
    rows = build_assignments(inst, units, arcs, choice)
    result = base.model_copy(update=dict(
        status=status, objective=obj_units / SCALE, lower_bound=bound / SCALE,
        gap=round(relative_gap(obj_units, bound), 6),
        objective_terms=build_objective(inst, units, arcs, choice, violations, pen_total),
        solver={**solver_info, "cp_status": cp_status, **cp_stats},
        students={"assignments": rows}, schools=schools, violations=violations,
        kpis=compute_kpis(rows, schools, policy), message=message,
        catchments=catchment_parts(inst, units, arcs, choice, edges),
    ))
    result = attach_reports(result, scenario, policy, lay)  # layout, balance (issue 4)
    lap("report", t)
    timings["total"] = round(time.perf_counter() - t_start, 3)
    result.timings = timings
    say(Event("done", status, result.objective, result.lower_bound, result.gap))
    return result


def _all_arcs(inst: Instance, units: Units, arcs: Arcs) -> bool:
    """Whether the candidate arcs are every admissible arc (infeasibility is then proven)."""
    z = np.zeros((inst.n_schools, 2), dtype=np.int64)
    best, _ = price_units(inst, units, z, z, exclude=arcs)
    return bool((best < 0).all())


def summarize(violations) -> str:
    """Short text of the rules broken, by rule, with the schools involved."""
    by_rule: dict[str, list[str]] = {}
    for v in violations:
        by_rule.setdefault(v.rule, []).append(f"{v.subject} ({v.amount:g} {v.unit})")
    return "; ".join(f"{rule} at {', '.join(items[:8])}" + (" ..." if len(items) > 8 else "")
                     for rule, items in by_rule.items())


def explain_infeasible(scenario: Scenario, base: Result, reason: str, limit: float,
                       t_start: float, timings: dict[str, float], solver_info: dict,
                       say: Progress) -> Result:
    """Strict rules proven impossible: explain with the least-bad (elastic) plan."""
    say(Event("explain", f"strict rules cannot all hold ({reason}); finding the least-bad "
                         "plan to explain which"))
    remaining = max(1.0, limit - (time.perf_counter() - t_start))
    elastic = solve_scenario(scenario, time_limit=remaining, strict=False)
    msg = (f"the rules cannot all hold: {reason}. The least-bad plan breaks: "
           + summarize(elastic.violations))
    timings["total"] = round(time.perf_counter() - t_start, 3)
    return elastic.model_copy(update=dict(
        status="infeasible", strict=True, message=msg, timings=timings,
        solver={**solver_info, "explained_by": "elastic solve", **elastic.solver},
        warnings=base.warnings + elastic.warnings,
    ))


def validate_scenario(scenario: Scenario) -> list[Finding]:
    """Every finding the solve would stop on or carry, without solving."""
    policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    try:
        inst, warnings = prepare(scenario, policy)
    except ScenarioError as exc:
        return exc.findings
    units = build_units(inst, lock_map(inst))
    arcs = build_candidates(inst, units, scenario.options.candidates_k)
    findings = warnings + check_units(inst, units, arcs)
    if scenario.layout and not any(f.severity == "error" for f in findings):  # issue 4
        from allocator.students.choose.model import check_choose_cover

        findings += check_choose_cover(inst, units, apply_layout(scenario, policy))
    return findings
