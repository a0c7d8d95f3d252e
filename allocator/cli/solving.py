"""Commands around one scenario: solve, validate, verify, schema, policy."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from allocator import (
    PolicyError,
    Result,
    ScenarioError,
    describe_policy,
    is_plan_folder,
    resolve_policy,
    result_schema,
    scenario_schema,
    solve,
    translate,
    validate,
    verify,
    write_result,
)

from .common import (
    app,
    err,
    fail_input,
    lang_option,
    out,
    pick_lang,
    read_result,
    read_scenario,
    say,
)
from .horizon import verify_plan_folder
from .progress import make_progress

STAGES = ("students", "teachers", "all")
GOOD = ("optimal", "feasible")


@app.command("solve")
def solve_command(
    scenario: Path = typer.Argument(..., help="scenario JSON file"),
    outdir: Path = typer.Option(..., "-o", "--out", help="folder for result.json and CSVs"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="seconds (default: "
                                               "the scenario's options.time_limit_s)"),
    strict: bool = typer.Option(False, "--strict", help="make every rule hard; explain if "
                                "they cannot all hold"),
    workers: int | None = typer.Option(None, "--workers", help="CP-SAT workers"),
    invest: bool = typer.Option(False, "--invest", help="let the solver add classrooms and "
                                "beds at the policy's unit costs (options.invest)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress display"),
    stage: str | None = typer.Option(None, "--stage", help="students | teachers | all "
                                     "(default: all when the scenario has teachers; "
                                     "teachers alone staffs today's enrolment; the time "
                                     "limit applies to each stage)"),
    lang: str | None = lang_option(),
) -> None:
    """Solve a scenario and write result.json, assignments.csv and schools.csv (and
    rotation.csv, staffing.csv when teachers rotate)."""
    if stage not in (None, *STAGES):
        fail_input(ValueError(f"--stage '{stage}': use students, teachers or all"))
    language = pick_lang(lang)
    sc = read_scenario(scenario)
    if workers is not None:
        sc.options.workers = workers
    if invest:
        sc.options.invest = True
    try:
        with make_progress(quiet) as progress:
            result = solve(sc, stage=stage, time_limit=time_limit, strict=strict or None,
                           progress=progress)  # type: ignore[arg-type]
    except ScenarioError as exc:
        exc.source = exc.source or str(scenario)
        fail_input(exc)
    try:  # scenario.json: a copy of the input, so `allocator map OUT` needs nothing else
        write_result(result, outdir, scenario_text=scenario.read_bytes())
    except OSError as exc:
        fail_input(ValueError(f"cannot write {outdir}: {exc}"))
    print_summary(result, outdir, language)
    if result.status in ("infeasible", "unknown", "error"):
        raise typer.Exit(1)


def print_summary(result: Result, outdir: Path, lang: str = "en") -> None:
    """The result's summary in `lang`, statuses in colour, and the files written."""
    words = {translate(f"cli.status.{s}", lang): s for s in (*GOOD, "infeasible", "unknown",
                                                         "error")}
    prefix = translate("cli.summary.teachers_prefix", lang)
    for line in result.summary(lang).splitlines():
        word = words.get(line.removeprefix(prefix).split(" ", 1)[0])
        say(line, style=None if word is None else ("green" if word in GOOD else "red"))
    files = ["result.json"]
    if "students" in result.stages:
        files += ["assignments.csv", "schools.csv"]
    if result.teachers is not None:
        files += ["rotation.csv", "staffing.csv"]
    say(translate("cli.wrote", lang, files=f"{outdir}/" + ", ".join(files)))


@app.command("validate")
def validate_command(
    scenario: Path = typer.Argument(..., help="scenario JSON file"),
) -> None:
    """Check a scenario without solving: errors (exit 2) and warnings."""
    sc = read_scenario(scenario)
    findings = validate(sc)
    for f in findings:
        (err if f.severity == "error" else out).print(f"  - {f}", highlight=False,
                                                      markup=False)
    n_err = sum(f.severity == "error" for f in findings)
    say(f"{scenario}: {n_err} error(s), {len(findings) - n_err} warning(s)")
    if n_err:
        raise typer.Exit(2)


@app.command("verify")
def verify_command(
    scenario: Path = typer.Argument(..., help="scenario JSON file, or a plan folder of "
                                    "`allocator plan` (alone)"),
    result: Path | None = typer.Argument(None, help="result.json or the folder holding it"),
    lang: str | None = lang_option(),
) -> None:
    """Recompute every rule and KPI of a result from the scenario alone; of a plan folder,
    every year and the continuity of its cohorts."""
    if result is None:
        if not is_plan_folder(scenario):
            fail_input(ValueError(f"{scenario}: give a scenario and a result, or a plan "
                                  "folder (written by `allocator plan`)"))
        verify_plan_folder(scenario, pick_lang(lang))
        return
    sc = read_scenario(scenario)
    report = verify(sc, read_result(result))
    for p in report.problems[:100]:
        err.print(f"  - {p}", highlight=False, markup=False)
    if len(report.problems) > 100:
        err.print(f"  ... and {len(report.problems) - 100} more", highlight=False)
    checked = ", ".join(f"{k} {v}" for k, v in report.checked.items())
    if report.ok:
        out.print(f"[green]verified[/]: {checked}", highlight=False)
    else:
        out.print(f"[red]not verified[/]: {len(report.problems)} problem(s)", highlight=False)
        raise typer.Exit(1)


@app.command("schema")
def schema_command(
    output: Path | None = typer.Option(None, "-o", "--out"),
    result: bool = typer.Option(False, "--result", help="the schema of result.json instead "
                                "of a scenario file"),
) -> None:
    """Print the JSON Schema of a scenario file, or of result.json (or write it to a file)."""
    text = json.dumps(result_schema() if result else scenario_schema(), indent=2,
                      ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command("policy")
def policy_command(
    profile: str = typer.Option("cn-national", "--profile"),
    scenario: Path | None = typer.Option(None, "--scenario", help="apply its overrides"),
    lang: str | None = lang_option(),
) -> None:
    """Print the rules of a policy profile with their numbers and sources."""
    overrides = {}
    if scenario is not None:
        sc = read_scenario(scenario)
        profile, overrides = sc.policy.profile, sc.policy.overrides
    try:
        pol = resolve_policy(profile, overrides)
    except PolicyError as exc:
        fail_input(exc)
    table = Table(title=f"policy {profile}", show_lines=False)
    table.add_column("rule", no_wrap=True)  # a rule's name is its id: never folded
    for col in ("title", "value", "source"):
        table.add_column(col, overflow="fold")
    for row in describe_policy(pol, pick_lang(lang)):
        # cells as plain text: rich would take "[assumption]" for markup and drop it
        table.add_row(*(Text(row[k]) for k in ("rule", "title", "value", "source")))
    out.print(table)
