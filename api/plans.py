"""Horizon plans as jobs (`POST /v1/jobs?kind=plan`): the years of a plan checked before a
job is queued, the plan solved in the job's child process through `allocator.plan_horizon`
with progress per year, and the stored plan document read back by the plan routes.

The stored document of a plan job (the job's result text) is
`{"kind": "plan", "timeline": <timeline.json>, "results": {"<year>": <result.json>}}`, so
every output of a plan is built from it alone, never by solving again.
"""

from __future__ import annotations

import json
import re
from typing import Any

from allocator import (
    Finding,
    Plan,
    Progress,
    ProgressEvent,
    Scenario,
    ScenarioError,
    check_plan,
    plan_horizon,
    plan_targets,
    plan_years,
    result_to_json,
    timeline_json,
)

PLAN = "plan"
YEARS_PATTERN = r"^\d{4}(-\d{4})?$"
# worst first: the plan's status is the worst status of its years
STATUS_ORDER = ("infeasible", "unknown", "feasible", "optimal")


def parse_years(text: str | None) -> tuple[int, int] | None:
    """(first, last) of "2026-2031" or "2026"; None for no text. Raises ScenarioError naming
    the `years` field when the text is not of that form."""
    if text is None or text == "":
        return None
    if not re.match(YEARS_PATTERN, text):
        raise ScenarioError([Finding(severity="error", code="horizon", field="years",
                                     message=f"'{text}': give the years as 2026-2031 or 2026")])
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def check_plan_years(sc: Scenario, years: str | None) -> list[int]:
    """The school years a plan job of `sc` solves (`years` "first-last", default the
    blocks' `students_by_year`), after the horizon's own checks (pupils for every year,
    operations and targets dated inside the plan). Raises ScenarioError with the findings;
    nothing is solved."""
    span = plan_years(sc, parse_years(years))
    check_plan(sc, span)
    return span


class YearProgress:
    """A progress callback for `plan_horizon`: every event goes to `progress` with the year
    being solved in its message ("year 2027 (2/6): ..."); `announce` moves to the next."""

    def __init__(self, progress: Progress, years: list[int]):
        self.progress, self.years, self.index = progress, years, 0
        self.report(ProgressEvent(stage="year"))

    def label(self) -> str:
        i = min(self.index, len(self.years) - 1)
        return f"year {self.years[i]} ({i + 1}/{len(self.years)})"

    def report(self, event: ProgressEvent) -> None:
        """Pass `event` on with the current year in front of its message."""
        message = f"{self.label()}: {event.message}" if event.message else self.label()
        self.progress(ProgressEvent(stage=event.stage, message=message,
                                    objective=event.objective, bound=event.bound,
                                    gap=event.gap))

    def announce(self, done: Any) -> None:
        """A year is solved: the next one starts (a stage change the store sees at once)."""
        self.index += 1
        if self.index < len(self.years):
            self.report(ProgressEvent(stage="year", message=f"{done.year} solved"))


def plan_status(plan: Plan) -> str:
    """The plan's status: the worst status of its years."""
    statuses = [py.result.status for py in plan.years]
    return min(statuses, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 0)


def plan_document(plan: Plan) -> dict[str, Any]:
    """The stored document of a solved plan (see the module docstring)."""
    sc = plan.scenario
    targets = plan_targets([(py.year, py.result) for py in plan.years])
    timeline = json.loads(timeline_json(sc.name, sc.options.continuity, plan.rows(), targets))
    return {"kind": PLAN, "timeline": timeline,
            "results": {str(py.year): json.loads(result_to_json(py.result))
                        for py in plan.years}}


def solve_plan(sc: Scenario, span: tuple[int, int], time_limit: float,
               progress: Progress) -> tuple[str, str, str]:
    """Solve the plan of `sc` over `span` with `time_limit` seconds for all its years
    (shared equally); returns (document text, plan status, message). Raises ScenarioError
    as `plan_horizon` does."""
    years = list(range(span[0], span[1] + 1))
    per_year = max(1.0, time_limit / len(years))
    watch = YearProgress(progress, years)
    plan = plan_horizon(sc, years=span, time_limit=per_year, progress=watch.report,
                        announce=watch.announce)
    seconds = sum(py.seconds for py in plan.years)
    message = f"{len(plan.years)} year(s) solved in {seconds:.1f} s"
    return json.dumps(plan_document(plan), ensure_ascii=False), plan_status(plan), message


def is_plan_document(doc: Any) -> bool:
    """True when `doc` (a parsed stored result) is a plan document."""
    return isinstance(doc, dict) and doc.get("kind") == PLAN and "timeline" in doc
