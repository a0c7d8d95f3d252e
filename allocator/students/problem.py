"""The student problem of a scenario, built once: checks, the numeric instance, the block
adjacency, the assignment units and their first candidate arcs.

`build_problem` raises ScenarioError with every error it finds (records, road distances,
locks, blocks with no admissible school); warnings travel with the problem.
`problem_findings` is the same without raising, plus what only a `choose` can break (what
`allocator validate` reports).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from allocator.layout import Layout
from allocator.model.findings import Finding, ScenarioError
from allocator.model.geometry import AdjacencyCache, block_adjacency
from allocator.model.policy import Policy
from allocator.model.scenario import Scenario

from .arcs import Arcs, Units, build_candidates, build_units
from .checks import check_locks, check_scenario, check_units
from .choose.model import check_choose_cover
from .distances import distance_matrix
from .instance import LEVEL_INDEX, Instance, build_instance


@dataclass
class StudentProblem:
    """What the student stage solves: the instance, its units and candidate arcs (before
    pricing), the block adjacency (contiguity, catchment parts) and the layout."""

    instance: Instance
    units: Units
    arcs: Arcs
    edges: np.ndarray
    layout: Layout
    warnings: list[Finding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: checks, arcs


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def _raise_errors(findings: list[Finding]) -> None:
    errors = _errors(findings)
    if errors:
        raise ScenarioError(errors)


def lock_map(inst: Instance) -> dict[tuple[int, int], int]:
    """(block index, level index) -> school index of every locked assignment."""
    sidx, bidx = inst.school_index(), inst.block_index()
    return {(bidx[lk.block], LEVEL_INDEX[lk.level]): sidx[lk.school]
            for lk in inst.scenario.options.locked}


def build_instance_checked(scenario: Scenario, policy: Policy,
                           layout: Layout) -> tuple[Instance, list[Finding]]:
    """Record checks, distances and the numeric instance; raises ScenarioError on errors and
    returns the warnings (the layout's included)."""
    findings = check_scenario(scenario, layout.schools) + layout.warnings
    _raise_errors(findings)
    matrix, dist_findings = distance_matrix(scenario, layout.schools)
    _raise_errors(dist_findings)
    findings += dist_findings
    inst = build_instance(scenario, policy, layout.schools, distance_matrix=matrix,
                          renamed=layout.renamed)
    _raise_errors(check_locks(inst, scenario.options.locked))
    return inst, [f for f in findings if f.severity == "warning"]


def build_problem(scenario: Scenario, policy: Policy, layout: Layout,
                  say: Callable[..., None] | None = None,
                  adjacency: AdjacencyCache | None = None) -> StudentProblem:
    """The student problem (see the module docstring); raises ScenarioError on errors.
    `say(stage, message)` reports progress; `adjacency` shares the block adjacency between
    scenarios of one county (same edges as without it)."""
    t0 = time.perf_counter()
    inst, warnings = build_instance_checked(scenario, policy, layout)
    edges = block_adjacency(scenario, adjacency)
    t1 = time.perf_counter()
    if say is not None:
        say("arcs", f"{inst.n_blocks} blocks, {inst.n_schools} schools: candidate arcs")
    units = build_units(inst, lock_map(inst))
    arcs = build_candidates(inst, units, scenario.options.candidates_k)
    findings = check_units(inst, units, arcs)
    _raise_errors(findings)
    timings = {"checks": round(t1 - t0, 3), "arcs": round(time.perf_counter() - t1, 3)}
    return StudentProblem(inst, units, arcs, edges, layout, warnings + findings, timings)


def problem_findings(scenario: Scenario, policy: Policy, layout: Layout) -> list[Finding]:
    """Every finding `build_problem` would stop on or carry, and the `choose` cover check,
    without raising."""
    try:
        inst, warnings = build_instance_checked(scenario, policy, layout)
    except ScenarioError as exc:
        return exc.findings
    units = build_units(inst, lock_map(inst))
    arcs = build_candidates(inst, units, scenario.options.candidates_k)
    findings = warnings + check_units(inst, units, arcs)
    if not _errors(findings):
        findings += check_choose_cover(inst, units, layout)
    return findings
