"""What makes a projection's input unusable, as findings naming the record and the field:
the base year, the horizon, births of an unknown township (or twice for one year), a
development naming an unknown block or occupied outside the horizon, settings for an unknown
township. One record's own faults (negative factors, children_by_age of the wrong length)
are caught when the scenario is read (`allocator.model.projection`)."""

from __future__ import annotations

import re

from allocator.model.fields import MAX_YEAR, MIN_YEAR
from allocator.model.findings import Finding, ScenarioError
from allocator.model.scenario import Scenario

MAX_SPAN = 50  # years one projection covers at most
_RANGE = re.compile(r"^\s*(\d{4})\s*(?:[-–~]\s*(\d{4}))?\s*$")


def _error(record: str, field: str | None, message: str) -> Finding:
    return Finding(severity="error", code="projection", record=record, field=field,
                   message=message)


def parse_years(text: str) -> list[int]:
    """The years of `--years` ("2026-2032" or one year "2027"), in order.
    ScenarioError naming the option when the text is not such a range."""
    m = _RANGE.match(str(text))
    first, last = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (0, -1)
    if not m or last < first or first < MIN_YEAR or last > MAX_YEAR or last - first > MAX_SPAN:
        raise ScenarioError([_error("option --years", None, (
            f"'{text}' is not a range of years like 2026-2032 (first <= last, at most "
            f"{MAX_SPAN} years apart)"))])
    return list(range(first, last + 1))


def year_list(years: list[int]) -> list[int]:
    """Given years, sorted and unique; ScenarioError when none is given or they are not
    years within at most MAX_SPAN of each other."""
    span = sorted({int(y) for y in years})
    if not span or span[0] < MIN_YEAR or span[-1] > MAX_YEAR or span[-1] - span[0] > MAX_SPAN:
        raise ScenarioError([_error("years", None, (
            f"{years} is not a list of years at most {MAX_SPAN} apart"))])
    return span


def base_year_of(scenario: Scenario) -> int | None:
    """The year today's counts describe: projection.base_year, else the scenario's year."""
    settings = scenario.projection
    if settings is not None and settings.base_year is not None:
        return settings.base_year
    return scenario.year


def horizon_findings(scenario: Scenario, years: list[int]) -> list[Finding]:
    """The base year is known and no requested year lies before it."""
    base = base_year_of(scenario)
    if base is None:
        return [_error("scenario", "projection.base_year", (
            "the base year is unknown: give the scenario's `year` or projection.base_year "
            "(the year today's pupil counts describe)"))]
    if years[0] < base:
        return [_error("option --years", None, (
            f"year {years[0]} is outside the horizon: it lies before the base year {base} "
            "(projection.base_year, else the scenario's year)"))]
    if years[-1] - base > MAX_SPAN:
        return [_error("option --years", None, (
            f"year {years[-1]} is outside the horizon: more than {MAX_SPAN} years after the "
            f"base year {base}"))]
    return []


def record_findings(scenario: Scenario, years: list[int]) -> list[Finding]:
    """Births, developments and settings refer to known townships and blocks, and every
    development is occupied within the horizon (after the base year, by the last year)."""
    base = base_year_of(scenario) or years[0]
    townships = {b.township for b in scenario.blocks if b.township}
    blocks = {b.id for b in scenario.blocks}
    out: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    for i, birth in enumerate(scenario.births):
        if birth.township not in townships:
            out.append(_error(f"births[{i}]", "township", (
                f"township '{birth.township}' has no block (townships of the blocks: "
                f"{', '.join(sorted(townships)) or 'none'})")))
        elif (birth.township, birth.year) in seen:
            out.append(_error(f"births[{i}]", "year", (
                f"births of '{birth.township}' in {birth.year} are given twice")))
        seen.add((birth.township, birth.year))
    ids: set[str] = set()
    for d in scenario.developments:
        rec = f"development '{d.id}'"
        if d.id in ids:
            out.append(_error(rec, "id", "this id is used by another development"))
        ids.add(d.id)
        if d.block is not None and d.block not in blocks:
            out.append(_error(rec, "block", f"block '{d.block}' is not in the scenario"))
        if not base < d.year <= years[-1]:
            out.append(_error(rec, "year", (
                f"year {d.year} is outside the horizon {base + 1}-{years[-1]}: housing "
                "occupied by the base year is in today's counts; later housing needs a "
                "longer --years")))
    settings = scenario.projection
    for name in ("survival", "migrant"):
        allowed = townships | ({"urban", "rural"} if name == "survival" else set())
        for key in getattr(settings, name, None) or {}:
            if key not in allowed:
                out.append(_error("projection", f"{name}.{key}", (
                    f"'{key}' is not a township of the blocks" +
                    (" nor 'urban' / 'rural'" if name == "survival" else ""))))
    return out


def check_projection(scenario: Scenario, years: list[int], source: str | None = None) -> int:
    """The base year, once every finding is clear; ScenarioError with all findings."""
    findings = horizon_findings(scenario, years)
    if not findings:
        findings = record_findings(scenario, years)
    if findings:
        raise ScenarioError(findings, source)
    base = base_year_of(scenario)
    assert base is not None
    return base
