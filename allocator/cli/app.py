"""The `allocator` command line: solve, validate, verify, schema, policy, generate, serve,
map, import, compare, sweep.

Exit codes: 0 success; 1 no plan meets the rules (strict mode) or a result fails
verification; 2 bad input (the message names the file, record and field).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from allocator.model.policy import PolicyError, describe_policy, resolve_policy
from allocator.model.scenario import ScenarioError, load_scenario, scenario_json_schema

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="School-district allocation optimizer (义务教育学区资源配置).")
out = Console()
err = Console(stderr=True)


def fail_input(exc: Exception) -> None:
    """Report bad input and exit 2."""
    if isinstance(exc, ScenarioError):
        head = f"{exc.source}: " if exc.source else ""
        err.print(f"[bold red]error[/]: {head}the input cannot be used ({len(exc.findings)} "
                  "problem(s))", highlight=False)
        for f in exc.findings[:50]:
            err.print(f"  - {f}", highlight=False, markup=False)
        if len(exc.findings) > 50:
            err.print(f"  ... and {len(exc.findings) - 50} more", highlight=False)
    else:
        err.print(f"[bold red]error[/]: {exc}", highlight=False)
    raise typer.Exit(2)


def read_scenario(path: Path):
    try:
        sc = load_scenario(path)
    except ScenarioError as exc:
        fail_input(exc)
    from allocator.students.distances import resolve_paths

    resolve_paths(sc, Path(path).parent)  # road layer / matrix paths: from the file's folder
    return sc


@app.command()
def solve(
    scenario: Path = typer.Argument(..., help="scenario JSON file"),
    outdir: Path = typer.Option(..., "-o", "--out", help="folder for result.json and CSVs"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="seconds (default: "
                                               "the scenario's options.time_limit_s)"),
    strict: bool = typer.Option(False, "--strict", help="make every rule hard; explain if "
                                "they cannot all hold"),
    workers: int | None = typer.Option(None, "--workers", help="CP-SAT workers"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress display"),
    stage: str | None = typer.Option(None, "--stage", help="students | teachers | all "
                                     "(default: all when the scenario has teachers; "
                                     "teachers alone staffs today's enrolment; the time "
                                     "limit applies to each stage)"),
) -> None:
    """Solve a scenario and write result.json, assignments.csv and schools.csv (and
    rotation.csv, staffing.csv when teachers rotate)."""
    from allocator.model.result import write_outputs
    from allocator.solve.pipeline import solve_all

    from .progress import make_progress

    if stage not in (None, "students", "teachers", "all"):
        fail_input(ValueError(f"--stage '{stage}': use students, teachers or all"))
    sc = read_scenario(scenario)
    if workers is not None:
        sc.options.workers = workers
    try:
        with make_progress(quiet) as progress:
            result = solve_all(sc, stage=stage, time_limit=time_limit,
                               strict=strict or None, progress=progress)
    except ScenarioError as exc:
        exc.source = exc.source or str(scenario)
        fail_input(exc)
    # scenario.json: a copy of the input, so `allocator map OUT` needs nothing else
    extra: dict[str, bytes | str] = {"scenario.json": scenario.read_bytes()}
    if "teachers" in result.stages:
        from allocator.teachers.section import rotation_frame, staffing_frame

        extra["rotation.csv"] = rotation_frame(result.teachers["moves"]).to_csv(index=False)
        extra["staffing.csv"] = staffing_frame(result.teachers["schools"]).to_csv(index=False)
    try:
        write_outputs(result, outdir, extra=extra)
    except OSError as exc:
        fail_input(ValueError(f"cannot write {outdir}: {exc}"))
    print_summary(result, outdir)
    if result.status in ("infeasible", "unknown", "error"):
        raise typer.Exit(1)


def print_summary(result, outdir: Path) -> None:
    if "students" not in result.stages:
        print_rotation(result, outdir)
        return
    style = {"optimal": "green", "feasible": "green"}.get(result.status, "red")
    out.print(f"[bold {style}]{result.status}[/]  objective {result.objective:,.2f}  "
              f"lower bound {result.lower_bound:,.2f}  gap {100 * (result.gap or 0):.3f}%  "
              f"({result.timings.get('total', 0):.1f} s)", highlight=False)
    if result.message:
        out.print(result.message, highlight=False, markup=False)
    k = result.kpis
    if k:
        t = k["travel"]
        out.print(f"pupils {k['pupils']:,}  primary mean {t['primary']['mean_km']} km "
                  f"(p95 {t['primary']['p95_km']})  junior mean {t['junior']['mean_km']} km "
                  f"(p95 {t['junior']['p95_km']})  boarders {k['boarding']['boarders']:,} "
                  f"/ beds {k['boarding']['beds']:,}  moved {k['moved_pupils']:,}",
                  highlight=False)
    if result.violations:
        by_rule: dict[str, int] = {}
        for v in result.violations:
            by_rule[v.rule] = by_rule.get(v.rule, 0) + 1
        out.print("violations: " + ", ".join(f"{r} x{n}" for r, n in by_rule.items()),
                  highlight=False)
    else:
        out.print("no rule broken", highlight=False)
    if "teachers" in result.stages:
        print_rotation(result, outdir)
        return
    out.print(f"wrote {outdir}/result.json, assignments.csv, schools.csv", highlight=False)


def print_rotation(result, outdir: Path) -> None:
    """The rotation stage's summary: status, quota, backbone, CVs, broken rules."""
    t = result.teachers
    style = {"optimal": "green", "feasible": "green"}.get(t["status"], "red")
    q = t["quota"]
    out.print(f"teachers: [bold {style}]{t['status']}[/]  {len(t['moves'])} moves  quota "
              f"{q['rotating']}/{q['required']} of {q['eligible']} eligible  backbone "
              f"{q['backbone_rotating']}/{q['backbone_required']}  objective {t['objective']:,}"
              f"  bound {t['lower_bound']:,}  gap {100 * (t['gap'] or 0):.3f}%",
              highlight=False)
    for level, b in t["balance"].items():
        if b["schools"]:
            cvs = "  ".join(f"{k.replace('_per_100', '')} {_cv(v['before'])} -> "
                            f"{_cv(v['after'])}" for k, v in b.items()
                            if isinstance(v, dict))
            out.print(f"  {level} CV per 100 pupils: {cvs}", highlight=False)
    if t["message"] and t["message"] != result.message:
        out.print(t["message"], highlight=False, markup=False)
    rules = [v.rule for v in result.violations if v.rule in (
        "staffing_ratio", "senior_title", "rotation_quota", "rotation_backbone_share")]
    if rules:
        out.print("  rotation rules short: " + ", ".join(
            f"{r} x{rules.count(r)}" for r in dict.fromkeys(rules)), highlight=False)
    files = "assignments.csv, schools.csv, " if "students" in result.stages else ""
    out.print(f"wrote {outdir}/result.json, {files}rotation.csv, staffing.csv",
              highlight=False)


def _cv(v) -> str:
    return "-" if v is None else f"{v:.3f}"


@app.command()
def validate(
    scenario: Path = typer.Argument(..., help="scenario JSON file"),
) -> None:
    """Check a scenario without solving: errors (exit 2) and warnings."""
    from allocator.solve.pipeline import validate_all

    sc = read_scenario(scenario)
    findings = validate_all(sc)
    for f in findings:
        (err if f.severity == "error" else out).print(f"  - {f}", highlight=False,
                                                      markup=False)
    n_err = sum(f.severity == "error" for f in findings)
    out.print(f"{scenario}: {n_err} error(s), {len(findings) - n_err} warning(s)",
              highlight=False)
    if n_err:
        raise typer.Exit(2)


@app.command()
def verify(
    scenario: Path = typer.Argument(..., help="scenario JSON file"),
    result: Path = typer.Argument(..., help="result.json or the folder holding it"),
) -> None:
    """Recompute every rule and KPI of a result from the scenario alone."""
    from pydantic import ValidationError

    from allocator.model.result import load_result
    from allocator.verify.students import verify_result

    sc = read_scenario(scenario)
    try:
        res = load_result(result)
    except (OSError, ValidationError, ValueError) as exc:
        fail_input(ValueError(f"{result}: not a readable result.json ({exc})"))
    report = verify_result(sc, res)
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


@app.command()
def schema(output: Path | None = typer.Option(None, "-o", "--out")) -> None:
    """Print the JSON Schema of a scenario file (or write it to a file)."""
    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def policy(
    profile: str = typer.Option("cn-national", "--profile"),
    scenario: Path | None = typer.Option(None, "--scenario", help="apply its overrides"),
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
    for col in ("rule", "value", "source"):
        table.add_column(col, overflow="fold")
    for row in describe_policy(pol):
        table.add_row(row["rule"], row["value"], row["source"])
    out.print(table)


@app.command()
def generate(
    output: Path = typer.Option(..., "-o", "--out", help="scenario JSON to write"),
    schools: int = typer.Option(50, "--schools", min=2),
    blocks: int = typer.Option(1000, "--blocks", min=1),
    seed: int = typer.Option(0, "--seed"),
    tight: bool = typer.Option(False, "--tight", help="lumpy blocks, little spare capacity"),
    teachers: bool = typer.Option(False, "--teachers", help="include a teacher roster"),
) -> None:
    """Write a seeded synthetic county scenario."""
    from allocator.io.generate import generate_to_file

    generate_to_file(output, schools=schools, blocks=blocks, seed=seed, tight=tight,
                     teachers=teachers)
    out.print(f"wrote {output}", highlight=False)


# -- serve (HTTP service; issue 6) ------------------------------------------------------------
@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: loopback "
                             "only)"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int | None = typer.Option(None, "--workers", min=1, help="job solves running at "
                                       "once (default: ALLOCATOR_WORKERS or 2)"),
) -> None:
    """Start the HTTP service (uvicorn; settings from ALLOCATOR_* variables or .env)."""
    import os

    import uvicorn

    if workers is not None:
        os.environ["ALLOCATOR_WORKERS"] = str(workers)
    # the import string keeps `allocator` free of imports from `api`; one server process:
    # the solves themselves run in worker processes
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=1)
# -- end serve ---------------------------------------------------------------------------------


# -- map, import (GIS; issue 5) ----------------------------------------------------------------
@app.command("map")
def map_(
    result_dir: Path = typer.Argument(..., help="result folder (holding result.json)"),
    output: Path = typer.Option(..., "-o", "--out", help="map file: .geojson, .gpkg, .png "
                                "or .html (offline interactive map)"),
    scenario: Path | None = typer.Option(None, "--scenario", help="scenario JSON (default: "
                                         "scenario.json in the result folder)"),
) -> None:
    """Export catchments, schools, blocks and boarding flows of a result as a map."""
    from pydantic import ValidationError

    from allocator.model.result import load_result
    from allocator.report.maps import find_scenario, write_map

    try:
        res = load_result(result_dir)
    except (OSError, ValidationError, ValueError) as exc:
        fail_input(ValueError(f"{result_dir}: not a readable result.json ({exc})"))
    try:
        sc = read_scenario(find_scenario(result_dir, scenario))
        written = write_map(res, sc, output)
    except ScenarioError as exc:
        fail_input(exc)
    except (ValueError, OSError) as exc:
        fail_input(ValueError(f"cannot write {output}: {exc}"))
    out.print("wrote " + ", ".join(str(p) for p in written), highlight=False)


@app.command("import")
def import_(
    mapping: Path = typer.Argument(..., help="column-mapping file (.toml or .json)"),
    output: Path = typer.Option(..., "-o", "--out", help="scenario JSON to write"),
) -> None:
    """Build a scenario JSON from CSV / XLSX / GIS layers named in a column-mapping file."""
    from allocator.io.importer import import_scenario

    try:
        summary = import_scenario(mapping, output)
    except ScenarioError as exc:
        fail_input(exc)
    out.print(f"wrote {output}: {summary}", highlight=False)
# -- end map, import ---------------------------------------------------------------------------


# -- compare (layout scenarios; issue 4) -------------------------------------------------------
@app.command()
def compare(
    inputs: list[Path] = typer.Argument(..., help="scenario files (solved here) or result "
                                        "folders of `allocator solve`; the first is the base"),
    outdir: Path = typer.Option(..., "-o", "--out", help="folder for compare.html, "
                                "compare.md and the CSVs"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="seconds per scenario "
                                               "solved here (default: its options)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress display"),
) -> None:
    """Compare layout scenarios side by side: KPIs, pupils whose school changes, schools."""
    from allocator.report.compare import compare_runs, gather_runs, write_comparison

    from .progress import make_progress

    if len(inputs) < 2:
        fail_input(ValueError("compare needs at least two scenario files or result folders"))
    try:
        with make_progress(quiet) as progress:
            runs = gather_runs(inputs, time_limit=time_limit, progress=progress,
                               announce=None if quiet else (lambda m: err.print(
                                   m, highlight=False, markup=False)))
    except ScenarioError as exc:
        fail_input(exc)
    cmp = compare_runs(runs)
    try:
        write_comparison(cmp, outdir)
    except OSError as exc:
        fail_input(ValueError(f"cannot write {outdir}: {exc}"))
    from allocator.report.compare import changed_pupils

    moved = changed_pupils(cmp)
    for r in runs:
        cost = r.result.kpis.get("funding", {}).get("total_yuan")
        extra = f"  pupils changing school {moved[r.label]:,}" if r.label in moved else ""
        out.print(f"{r.label}: {r.result.status}  objective {r.result.objective or 0:,.2f}  "
                  f"gap {100 * (r.result.gap or 0):.2f}%  annual cost "
                  f"{(cost or 0) / 1e4:,.1f} 万元{extra}", highlight=False)
    out.print(f"wrote {outdir}/compare.html, compare.md, kpis.csv, changes_blocks.csv, "
              "changes_pairs.csv, schools.csv", highlight=False)
# -- end compare -------------------------------------------------------------------------------


# -- sweep (scenario sweeps and province-wide batches; issue 8) --------------------------------
@app.command()
def sweep(
    spec: Path = typer.Argument(..., help="sweep spec (YAML or JSON): base or scenarios, "
                                "set, grid, layouts, rank, pareto, top"),
    outdir: Path = typer.Option(..., "-o", "--out", help="folder for one sub-folder per "
                                "variant and summary/"),
    workers: int | None = typer.Option(None, "--workers", min=1, help="variants solved at "
                                       "once on this machine (default: the number of cores)"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="'local' for a Dask "
                                         "LocalCluster, or a Dask scheduler address "
                                         "(tcp://HOST:8786); default: a local process pool"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check the spec, list the "
                                 "variants and exit"),
    connect_timeout: float = typer.Option(10.0, "--connect-timeout", min=0.1,
                                          help="seconds to reach the Dask scheduler"),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="solve again the "
                                      "variants whose own input failed in an earlier run"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress display"),
) -> None:
    """Solve the variants of a sweep spec (or a folder of county scenarios) in parallel,
    locally or on a Dask cluster; rank them, find the Pareto front, compare the best.
    A rerun skips finished variants. Exit 1 when a variant failed (OUTDIR/<id>/error.txt)."""
    from allocator.sweep.runner import BackendError, SpecError, run_sweep

    if scheduler and scheduler != "local" and workers is not None:
        err.print("note: --workers is ignored with a remote scheduler (its workers decide)",
                  highlight=False)
    say = (lambda text: None) if quiet else (
        lambda text: err.print(text, highlight=False, markup=False, soft_wrap=True))
    try:
        report = run_sweep(spec, outdir, workers=workers, scheduler=scheduler, quiet=quiet,
                           dry_run=dry_run, connect_timeout=connect_timeout,
                           retry_failed=retry_failed, say=say)
    except SpecError as exc:
        fail_input(ScenarioError(exc.findings, exc.source))
    except BackendError as exc:
        fail_input(exc)
    except KeyboardInterrupt:
        err.print(f"interrupted: finished variants are kept in {outdir}; run the same "
                  "command again to solve the rest", highlight=False)
        raise typer.Exit(130) from None
    if dry_run:
        sw = report.sweep
        todo_ids = {v.id for v in report.todo}
        for v in sw.variants:
            mark = "todo" if v.id in todo_ids else "done"
            out.print(f"{mark}  {v.id}  {v.label}", highlight=False, markup=False,
                      soft_wrap=True)
        for note in report.notes:
            out.print(note, highlight=False, markup=False)
        out.print(f"{len(sw.variants)} variants: {report.finished_before} finished, "
                  f"{report.failed_before} failed (bad input), {len(report.todo)} to solve",
                  highlight=False)
        return
    print_sweep(report)
    if report.failed_list or report.missing:
        raise typer.Exit(1)


def print_sweep(report) -> None:
    """The sweep's outcome: counts, the best variants, the Pareto front, where it wrote."""
    from allocator.report.compare import fmt

    t = report.table
    n = len(report.sweep.variants)
    finished = 0 if t is None else len(t)
    out.print(f"{n} variants: {finished} finished ({report.solved} solved now, "
              f"{report.finished_before} earlier), {len(report.failed_list)} failed "
              "(OUTDIR/<id>/error.txt)" + (f", {len(report.missing)} not run"
                                           if report.missing else ""),
              highlight=False, soft_wrap=True)
    if t is not None and len(t):
        keys = [k.lstrip("-") for k in report.sweep.spec.rank]
        for _, row in t.head(5).iterrows():
            figs = "  ".join(f"{k} {fmt(row[k])}" for k in keys if pd_notna(row[k]))
            star = "  (Pareto front)" if row["pareto"] else ""
            out.print(f"#{row['rank']} {row['label']}: {row['status']}  {figs}{star}",
                      highlight=False, markup=False, soft_wrap=True)
        out.print(f"Pareto front: {int(t['pareto'].sum())} variants", highlight=False,
                  soft_wrap=True)
    out.print(f"wrote {report.summary}/ranking.md, ranking.html, ranking.csv, pareto.csv"
              + (", compare/" if report.summary and (report.summary / "compare").is_dir()
                 else ""), highlight=False, soft_wrap=True)


def pd_notna(v) -> bool:
    """Whether a table cell holds a number."""
    import math

    return isinstance(v, (int, float)) and not math.isnan(v)
# -- end sweep ---------------------------------------------------------------------------------


def main() -> None:
    app()


if __name__ == "__main__":
    main()
