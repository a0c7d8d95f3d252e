"""`verify` of a plan folder: each year's result through the single-year verifier against
that year's scenario, plus the continuity rule across the years."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from allocator.verification import Problem, verify_result
from allocator.verification.continuity import check_continuity

from .folder import read_plan


@dataclass
class PlanVerifyReport:
    """The verdict on a plan folder: ok, the problems (each naming its year), counts."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)


def verify_plan(path: str | Path) -> PlanVerifyReport:
    """Re-check every year of the plan folder `path` and rule `cohort_continuity` (no solver
    code). Raises ScenarioError when the folder cannot be read."""
    folder = read_plan(path)
    problems: list[Problem] = []
    checked: dict[str, int] = {"years": len(folder.years)}
    for year, sc, result in folder.years:
        report = verify_result(sc, result)
        problems += [Problem(p.rule, p.subject, f"{year}: {p.message}")
                     for p in report.problems]
        for key, n in report.checked.items():
            checked[key] = checked.get(key, 0) + n
    continuity, rows = check_continuity(folder.scenario, folder.years)
    problems += continuity
    checked["cohorts"] = rows
    return PlanVerifyReport(not problems, problems, checked)
