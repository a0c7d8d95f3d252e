"""One school year of a horizon plan as a single-year scenario: the layout operations in
effect that year (in year order, `choose` operations decided in an earlier year replaced by
the closures they chose), planned schools open from their year, and the policy with its
dated values of that year applied.

Errors of the year's layout are reported against the plan's scenario: "layout[i] (op)"
names the operation's position in the scenario file, and the message names the year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from allocator.layout import Layout, apply_layout
from allocator.model.findings import Finding, ScenarioError
from allocator.model.policy import Policy, PolicyError, overrides_for_year, resolve_policy
from allocator.model.scenario import ChooseOp, CloseOp, PolicySpec, Scenario

_LABEL = re.compile(r"layout\[(\d+)\]")


@dataclass
class YearScenario:
    """A year of the plan before its blocks are split into cohorts: the scenario (the
    plan's blocks still whole), its policy and layout, and for each position of its
    layout the position of the operation in the plan's scenario."""

    year: int
    scenario: Scenario
    policy: Policy
    layout: Layout
    positions: list[int]


def effective_year(op_year: int | None, first: int) -> int:
    """The school year an operation takes effect: its own, else the plan's first."""
    return first if op_year is None else op_year


def relabel(findings: list[Finding], positions: list[int], year: int) -> list[Finding]:
    """`findings` of a year's scenario named against the plan's scenario: layout positions
    mapped back (in the record and the message, e.g. "closed by layout[i]"), the year added
    to each message."""
    def mapped(text: str) -> str:
        return _LABEL.sub(lambda m: f"layout[{positions[int(m.group(1))]}]"
                          if int(m.group(1)) < len(positions) else m.group(0), text)

    return [f.model_copy(update={"record": mapped(f.record) if f.record else f.record,
                                 "message": f"{mapped(f.message)} (school year {year})"})
            for f in findings]


def year_operations(sc: Scenario, year: int, first: int,
                    decided: dict[int, list[str]]) -> tuple[list, list[int]]:
    """The layout of school year `year` and, per entry, its position in `sc.layout`:
    operations taking effect by then, ordered by year (list order within a year), without
    their year; a `choose` decided earlier (`decided[i]`: the candidates it closed) becomes
    one `close` per closed candidate."""
    ranked = sorted((effective_year(op.year, first), i) for i, op in enumerate(sc.layout))
    ops, positions = [], []
    for when, i in ranked:
        if when > year:
            continue
        op = sc.layout[i]
        if isinstance(op, ChooseOp) and i in decided and when < year:
            for sid in decided[i]:
                ops.append(CloseOp(op="close", school=sid))
                positions.append(i)
            continue
        ops.append(op.model_copy(update={"year": None}))
        positions.append(i)
    return ops, positions


def year_policy(sc: Scenario, year: int) -> tuple[PolicySpec, Policy]:
    """The policy spec and resolved policy in force in `year` (dated values applied)."""
    spec = PolicySpec(profile=sc.policy.profile,
                      overrides=overrides_for_year(sc.policy.overrides, sc.policy.by_year, year))
    try:
        return spec, resolve_policy(spec.profile, spec.overrides)
    except PolicyError as exc:
        raise ScenarioError([Finding(severity="error", code="policy", record="policy.by_year",
                                     field=str(year), message=str(exc))]) from None


def build_year(sc: Scenario, year: int, first: int,
               decided: dict[int, list[str]]) -> YearScenario:
    """School year `year` as a single-year scenario (blocks still whole; see the module
    docstring). Raises ScenarioError naming the plan's records when its layout or policy
    cannot be applied that year."""
    ops, positions = year_operations(sc, year, first, decided)
    spec, policy = year_policy(sc, year)
    schools = [s.model_copy(update={"status": "open", "year": None})
               if s.status == "planned" and s.year is not None and s.year <= year else s
               for s in sc.schools]
    options = sc.options.model_copy(update={"year": str(year)})
    scenario = sc.model_copy(update={"year": year, "layout": ops, "policy": spec,
                                     "schools": schools, "options": options, "targets": []})
    try:
        layout = apply_layout(scenario, policy)
    except ScenarioError as exc:
        raise ScenarioError(relabel(exc.findings, positions, year)) from None
    return YearScenario(year, scenario, policy, layout, positions)
