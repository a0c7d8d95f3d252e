"""`allocator plan`: a multi-year horizon plan, the years solved in order with continuity;
the plan folder's verification and comparison are reached from `verify` and `compare`."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from allocator import (
    PlanComparison,
    Projection,
    Scenario,
    ScenarioError,
    compare_plans,
    plan_horizon,
    plan_writer,
    project_scenario,
    translate,
    verify_plan,
    write_plan_comparison,
)

from .common import app, err, fail_input, lang_option, out, pick_lang, read_scenario, say

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")


def parse_years(text: str | None) -> tuple[int, int] | None:
    """`--years 2026-2031` (or one year) as (first, last); exit 2 when malformed."""
    if text is None:
        return None
    m = _YEARS.match(text)
    if not m:
        fail_input(ValueError(f"--years '{text}': give school years as A-B, e.g. 2026-2031"))
        raise AssertionError("unreachable")
    first = int(m.group(1))
    return first, int(m.group(2) or first)


def year_line(py, lang: str) -> str:
    """The progress line of one solved year, in `lang`."""
    r, h = py.result, py.result.horizon
    return translate(
        "horizon.cli.year", lang, year=py.year,
        status=translate(f"horizon.status.{r.status}", lang),
        objective=f"{r.objective or 0:,.1f}", gap="-" if r.gap is None else f"{r.gap:.2%}",
        moved="-" if h is None else f"{h.pupils_moved:,}",
        missed="-" if h is None else sum(not t.met for t in h.targets),
        seconds=f"{py.seconds:.1f}")


def project_over(sc: Scenario, span: tuple[int, int] | None, variant: str,
                 source: str) -> Projection:
    """`allocator project` over the plan's years; exit 2 without years or with an unknown
    variant; ScenarioError for bad projection input."""
    if span is None:
        fail_input(ValueError("--project needs --years (the years to project), e.g. "
                              "--years 2026-2031"))
        raise AssertionError("unreachable")
    if variant not in ("low", "medium", "high"):
        fail_input(ValueError(f"--variant '{variant}': give low, medium or high"))
    return project_scenario(sc, f"{span[0]}-{span[1]}", variant, source=source)


@app.command("plan")
def plan_command(
    scenario: Path = typer.Argument(..., help="scenario JSON file with students_by_year"),
    outdir: Path = typer.Option(..., "-o", "--out", help="plan folder: <year>/ result "
                                "folders, timeline.json, timeline.csv, timeline.html"),
    years: str | None = typer.Option(None, "--years", help="school years A-B (default: "
                                     "those of the blocks' students_by_year)"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="seconds per year "
                                               "(default: the scenario's options)"),
    project: bool = typer.Option(False, "--project", help="project enrolment over --years "
                                 "first (as `allocator project`); the plan folder keeps the "
                                 "projected scenario.json and projection.csv"),
    variant: str = typer.Option("medium", "--variant", help="projection variant with "
                                "--project: low | medium | high"),
    lang: str | None = lang_option(),
) -> None:
    """Plan several school years in order: phased layout operations, dated policy values,
    targets judged per year; pupils already enrolled stay at their school."""
    language = pick_lang(lang)
    span = parse_years(years)
    sc = read_scenario(scenario)
    extra: dict[str, str] = {}
    scenario_text: str | bytes = scenario.read_bytes()
    try:
        if project:
            projection = project_over(sc, span, variant, str(scenario))
            sc, extra = projection.scenario, projection.files()
            scenario_text = extra.pop("scenario.json")
        with plan_writer(outdir) as writer:  # each year's files written as it is solved
            plan = plan_horizon(sc, years=span, time_limit=time_limit, write=writer.add_year,
                                announce=lambda py: err.print(year_line(py, language),
                                                              highlight=False, markup=False))
            writer.finish(plan, scenario_text, language, extra)
    except ScenarioError as exc:
        exc.source = exc.source or str(scenario)
        fail_input(exc)
    except OSError as exc:
        fail_input(ValueError(f"cannot write {outdir}: {exc}"))
    print_plan(plan, outdir, language)
    if any(py.result.status in ("infeasible", "unknown", "error") for py in plan.years):
        raise typer.Exit(1)


def print_plan(plan, outdir: Path, lang: str) -> None:
    """The year x KPI table of the plan (what the README shows), and the files written."""
    cols = ["year", "pupils", "schools_open", "classes_over_cap", "pupils_moved",
            "annual_cost_yuan", "targets_met", "targets_missed"]
    say(" | ".join(translate(f"horizon.col.{c}", lang) for c in cols))
    for row in plan.rows():
        say(" | ".join("-" if row[c] is None else f"{row[c]:,.0f}" if c == "annual_cost_yuan"
                       else str(row[c]) for c in cols))
    say(translate("horizon.cli.wrote", lang, outdir=outdir, years=len(plan.years)))


def verify_plan_folder(folder: Path, lang: str) -> None:
    """Verify a plan folder: print problems, exit 1 when any."""
    try:
        report = verify_plan(folder)
    except ScenarioError as exc:
        fail_input(exc)
        raise AssertionError("unreachable") from None
    for p in report.problems[:100]:
        err.print(f"  - {p}", highlight=False, markup=False)
    if report.ok:
        out.print(translate("horizon.cli.verified", lang, years=report.checked["years"],
                            cohorts=report.checked["cohorts"]), style="green", highlight=False,
                  markup=False)
        return
    out.print(translate("horizon.cli.not_verified", lang, n=len(report.problems)),
              style="red", highlight=False, markup=False)
    raise typer.Exit(1)


def compare_plan_folders(inputs: list[Path], outdir: Path, lang: str) -> None:
    """Compare plan folders year by year and over the horizon; write and print them."""
    try:
        cmp: PlanComparison = compare_plans(inputs)
    except ScenarioError as exc:
        fail_input(exc)
        raise AssertionError("unreachable") from None
    try:
        write_plan_comparison(cmp, outdir, lang)
    except OSError as exc:
        fail_input(ValueError(f"cannot write {outdir}: {exc}"))
    for lb in cmp.labels:
        t = cmp.totals[lb]
        say(translate("horizon.cli.compare_line", lang, label=lb,
                      **{k: f"{t.get(k, 0):,.1f}" for k in ("pupil_km", "pupils_moved",
                                                             "annual_cost_yuan",
                                                             "targets_missed")}))
    say(translate("horizon.cli.compare_wrote", lang, outdir=outdir))
