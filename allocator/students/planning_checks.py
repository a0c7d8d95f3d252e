"""Input checks of the planning rules: left-behind counts and township boarding rules.

Each returns Findings naming the record and the field (errors stop a solve with exit 2).
"""

from __future__ import annotations

from allocator.model.findings import Finding
from allocator.model.scenario import Scenario


def check_left_behind(scenario: Scenario) -> list[Finding]:
    """Errors for left-behind counts above the block's pupils (in total or in a grade)."""
    year = scenario.options.year
    out = []
    for b in scenario.blocks:
        lb, pupils = b.left_behind, b.pupils(year)
        if lb is None:
            continue
        if isinstance(lb, int):
            if lb > sum(pupils):
                out.append(Finding(severity="error", code="left_behind_above_pupils",
                                   message=f"{lb} left-behind children but only "
                                   f"{sum(pupils)} pupils", record=f"block '{b.id}'",
                                   field="left_behind"))
            continue
        for g, (n, p) in enumerate(zip(lb, pupils, strict=True), start=1):
            if n > p:
                out.append(Finding(severity="error", code="left_behind_above_pupils",
                                   message=f"grade {g}: {n} left-behind children but only "
                                   f"{p} pupils", record=f"block '{b.id}'",
                                   field=f"left_behind.{g}"))
    return out


def check_township_rules(scenario: Scenario) -> list[Finding]:
    """Errors for township boarding rules (`options.township_boarding`) naming a township
    that no school or block has."""
    known = {s.township for s in scenario.schools if s.township} | {
        b.township for b in scenario.blocks if b.township}
    known |= {op.school.township for op in scenario.layout
              if op.op == "open" and op.school.township}
    return [Finding(severity="error", code="unknown_township",
                    message=f"township '{town}' is not the township of any school or block "
                    f"(known: {', '.join(sorted(known)[:8]) or 'none'})",
                    record="options.township_boarding", field=town)
            for town in (scenario.options.township_boarding or {}) if town not in known]
