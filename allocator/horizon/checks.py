"""What makes a scenario unusable for a horizon plan, found before anything is solved: the
years of the plan, pupils missing for a year, operations, planned schools and targets dated
outside the plan, and targets naming an unknown KPI. Each finding names the record and the
field; the layout of every year is applied once, so an operation on a school closed in an
earlier year is named too."""

from __future__ import annotations

from allocator.metrics.indicators import KPI_IDS
from allocator.model.findings import Finding, ScenarioError
from allocator.model.scenario import Scenario

from .phasing import YearScenario, build_year

MAX_YEARS = 50


def plan_years(sc: Scenario, years: tuple[int, int] | None) -> list[int]:
    """The school years of the plan: `years` (first, last) when given, else from the first
    to the last year of the blocks' `students_by_year`. Raises ScenarioError when there is
    none or the range is empty or longer than MAX_YEARS."""
    if years is None:
        given = {int(k) for b in sc.blocks for k in (b.students_by_year or {}) if k.isdigit()}
        if not given:
            raise ScenarioError([Finding(
                severity="error", code="horizon", record="blocks", field="students_by_year",
                message="a horizon plan needs pupils by year: no block has students_by_year "
                        "(fill them with `allocator project`, or give --years)")])
        years = (min(given), max(given))
    first, last = years
    if last < first or last - first + 1 > MAX_YEARS:
        raise ScenarioError([Finding(
            severity="error", code="horizon", field="years",
            message=f"years {first}-{last}: give a first year not after the last, at most "
                    f"{MAX_YEARS} years")])
    return list(range(first, last + 1))


def pupils_findings(sc: Scenario, years: list[int]) -> list[Finding]:
    """One finding per block and year of the plan without pupils in `students_by_year`."""
    out = []
    for b in sc.blocks:
        missing = [y for y in years if str(y) not in (b.students_by_year or {})]
        if missing:
            out.append(Finding(
                severity="error", code="horizon", record=f"block '{b.id}'",
                field="students_by_year", message=f"no pupils for {', '.join(map(str, missing))}"
                "; fill them with `allocator project` (or give them by hand)"))
    return out


def dated_findings(sc: Scenario, years: list[int]) -> list[Finding]:
    """Operations and targets dated outside the plan; targets naming an unknown KPI or
    one that only a comparison of two results has."""
    first, last = years[0], years[-1]
    known = ", ".join(k for k, v in KPI_IDS.items() if not v.path.startswith("compare:"))
    out = []
    for i, op in enumerate(sc.layout):
        if op.year is not None and not first <= op.year <= last:
            out.append(Finding(severity="error", code="horizon", record=f"layout[{i}] ({op.op})",
                               field="year", message=f"{op.year} is outside the plan's years "
                               f"{first}-{last}"))
    for i, t in enumerate(sc.targets):
        record = f"targets[{i}]" + (f" ({t.id})" if t.id else "")
        kpi = KPI_IDS.get(t.kpi)
        if kpi is None or kpi.path.startswith("compare:"):
            out.append(Finding(severity="error", code="horizon", record=record, field="kpi",
                               message=f"unknown KPI '{t.kpi}' (known: {known})"))
        for fld in ("year", "from_year"):
            when = getattr(t, fld)
            if when is not None and not first <= when <= last:
                out.append(Finding(severity="error", code="horizon", record=record, field=fld,
                                   message=f"{when} is outside the plan's years {first}-{last}"))
    return out


def check_plan(sc: Scenario, years: list[int]) -> dict[int, YearScenario]:
    """Raise ScenarioError with every finding above, and those of each year's layout and
    dated policy (a `choose` still undecided there), before anything is solved. Returns
    each year as built for the check (as `build_year` builds it with no `choose`
    decided)."""
    findings = pupils_findings(sc, years) + dated_findings(sc, years)
    built: dict[int, YearScenario] = {}
    if not findings:
        for year in years:
            try:
                built[year] = build_year(sc, year, years[0], {})
            except ScenarioError as exc:
                findings += [f for f in exc.findings if f not in findings]
                break
    if findings:
        raise ScenarioError(findings)
    return built
