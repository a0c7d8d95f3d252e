"""Horizon sweeps: variants that are multi-year plans (`horizon: {years: "2026-2031"}`) and
the years of their layout operations, given as named `phasings` (`{"layout[3]": 2027}`) or
swept by the dotted paths `layout[i].year` in `set` and `grid`.

`layout[i]` is the i-th operation of the variant's layout: the base scenario's operations,
then the plan's (`layouts.plans`), then the closures. A grid or `set` year wins over the
phasing's for the same operation. Everything here only checks and rewrites JSON; the plans
are solved by `allocator.sweep.task`.
"""

from __future__ import annotations

import re
from typing import Any

from allocator.horizon.checks import check_plan, plan_years, pupils_findings
from allocator.horizon.timeline import TOTALS
from allocator.model.findings import Finding, ScenarioError
from allocator.model.scenario import Scenario

from .variants import SweepSpec

LAYOUT_KEY = re.compile(r"^(?:layout\[(\d+)\]|(\d+))$")
LAYOUT_PATH = re.compile(r"^layout\[(\d+)\]\.year$")
YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")
HORIZON_KEYS = {f"horizon.{k}" for k in TOTALS}

Years = dict[int, tuple[str, int]]  # operation index -> (spec key, school year)


def _problem(where: str, message: str) -> Finding:
    return Finding(severity="error", code="sweep", record=where, message=message)


def layout_index(path: str) -> int | None:
    """The operation index of a `layout[i].year` path, else None."""
    m = LAYOUT_PATH.match(path)
    return int(m.group(1)) if m else None


def model_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings without their `layout[i].year` paths (those of options and policy)."""
    return {k: v for k, v in settings.items() if layout_index(k) is None}


def setting_years(settings: dict[str, Any], where: dict[str, str]) -> Years:
    """The `layout[i].year` settings as operation index -> (spec key, year); `where` names
    the spec key of each path (set or grid)."""
    return {i: (f"{where[k]} '{k}'", v) for k, v in settings.items()
            if (i := layout_index(k)) is not None}


def operation_key(key: str | int) -> int | None:
    """The operation index a phasing key names (`layout[3]`, `3` or 3), else None."""
    if isinstance(key, int):
        return key if key >= 0 else None
    m = LAYOUT_KEY.match(key)
    return int(m.group(1) or m.group(2)) if m else None


def phasing_years(name: str, years: dict[str | int, int]) -> Years:
    """A phasing's years as operation index -> (spec key, year) (keys checked before)."""
    return {operation_key(k): (f"phasings.{name} 'layout[{operation_key(k)}]'", y)  # type: ignore
            for k, y in years.items()}


def check_horizon_spec(spec: SweepSpec) -> list[Finding]:
    """Problems of the horizon keys alone: phasings or layout years without `horizon`, a
    stage other than the pupils', malformed years, phasing keys and grid year values."""
    out = []
    paths = [(w, p) for w, m in (("set", spec.set), ("grid", spec.grid)) for p in m
             if layout_index(p) is not None]
    if spec.horizon is None:
        if spec.phasings:
            out.append(_problem("phasings", "phasings need `horizon` (the years of the "
                                "plans), e.g. horizon: {years: 2026-2031}"))
        out += [_problem(f"{w} '{p}'", "a layout year needs `horizon` (the years of the "
                         "plans)") for w, p in paths]
        return out
    if spec.stage not in (None, "students"):
        out.append(_problem("stage", f"'{spec.stage}': a horizon plan solves the pupils "
                            "only (stage students)"))
    if not isinstance(span_of(spec), tuple) and spec.horizon.years is not None:
        out.append(_problem("horizon.years", f"'{spec.horizon.years}': give school years "
                            "as A-B, e.g. 2026-2031, the first not after the last"))
    for name, years in spec.phasings.items():
        out += [_problem(f"phasings.{name} '{k}'", "name an operation as layout[i] (i: its "
                         "position in the variant's layout, from 0)")
                for k in years if operation_key(k) is None]
    for w, p in paths:
        values = spec.grid[p] if w == "grid" else [spec.set[p]]
        out += [_problem(f"{w} '{p}'", f"{v!r} is not a school year") for v in values
                if not isinstance(v, int) or isinstance(v, bool)]
    return out


def span_of(spec: SweepSpec) -> tuple[int, int] | None | str:
    """The spec's (first, last) school year; None to take the base's; a string when
    malformed."""
    years = spec.horizon.years if spec.horizon is not None else None
    if years is None:
        return None
    m = YEARS.match(str(years))
    if not m:
        return str(years)
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    return (first, last) if first <= last else str(years)


def plan_span(spec: SweepSpec, model: Scenario) -> tuple[int, int] | list[Finding]:
    """The plan years of a base scenario (the spec's, else its students_by_year), or the
    findings naming `horizon.years` when there are none or a block has no pupils for one."""
    span = span_of(spec)
    try:
        years = plan_years(model, span if isinstance(span, tuple) else None)
    except ScenarioError as exc:
        return [_problem("horizon.years", str(f).removeprefix("error: "))
                for f in exc.findings]
    missing = pupils_findings(model, years)
    if missing:
        return [_problem("horizon.years", f"{years[0]}-{years[-1]}: " + str(f).removeprefix(
            "error: ")) for f in missing[:20]]
    return years[0], years[-1]


def apply_years(ops: list[dict[str, Any]], years: Years) -> tuple[list[dict[str, Any]],
                                                                  list[Finding]]:
    """The operations with the given years set (copies), and a finding naming the spec key
    of each index the layout does not have."""
    out = [dict(op) for op in ops]
    problems = []
    for i, (where, year) in sorted(years.items()):
        if i >= len(out):
            has = (f"has {len(out)} (layout[0]..layout[{len(out) - 1}])" if out
                   else "is empty")
            problems.append(_problem(where, f"there is no operation layout[{i}]: the "
                                     f"variant's layout {has}"))
        else:
            out[i]["year"] = year
    return out, problems


def plan_problems(sc: Scenario, span: tuple[int, int]) -> ScenarioError | None:
    """The error of planning `sc` over `span` (every year's layout and dated values
    applied, as `allocator plan` checks before solving), or None."""
    try:
        check_plan(sc, list(range(span[0], span[1] + 1)))
    except ScenarioError as exc:
        return exc
    return None
