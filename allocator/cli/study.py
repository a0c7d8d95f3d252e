"""Commands over several scenarios: compare, sweep."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from allocator import (
    BackendError,
    Comparison,
    ScenarioError,
    SpecError,
    SweepReport,
    changed_pupils,
    compare,
    format_value,
    is_plan_folder,
    run_sweep,
    translate,
    write_comparison,
)

from .common import app as cli
from .common import err, fail_input, lang_option, pick_lang, say
from .horizon import compare_plan_folders
from .progress import make_progress


@cli.command("compare")
def compare_command(
    inputs: list[Path] = typer.Argument(..., help="scenario files (solved here) or result "
                                        "folders of `allocator solve`; the first is the base"),
    outdir: Path = typer.Option(..., "-o", "--out", help="folder for compare.html, "
                                "compare.md and the CSVs"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="seconds per scenario "
                                               "solved here (default: its options)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress display"),
    lang: str | None = lang_option(),
) -> None:
    """Compare layout scenarios side by side: KPIs, pupils whose school changes, schools.
    Scenario files are solved as `allocator solve` does (the teacher stage included)."""
    if len(inputs) < 2:
        fail_input(ValueError("compare needs at least two scenario files or result folders"))
    language = pick_lang(lang)
    plans = [is_plan_folder(p) for p in inputs]
    if any(plans):
        if not all(plans):
            fail_input(ValueError(translate("horizon.cli.mixed", language)))
        compare_plan_folders(inputs, outdir, language)
        return
    try:
        with make_progress(quiet) as progress:
            cmp = compare(inputs, time_limit=time_limit, progress=progress,
                          announce=None if quiet else (lambda m: err.print(
                              m, highlight=False, markup=False)))
    except ScenarioError as exc:
        fail_input(exc)
    try:
        write_comparison(cmp, outdir, language)
    except OSError as exc:
        fail_input(ValueError(f"cannot write {outdir}: {exc}"))
    print_comparison(cmp, outdir, language)


def print_comparison(cmp: Comparison, outdir: Path, lang: str) -> None:
    """One line per run in `lang` (status, objective, gap, annual cost, pupils changing
    school against the base), then the files written."""
    moved = changed_pupils(cmp)
    for r in cmp.runs:
        kpis = r.result.kpis
        cost = kpis.funding.total_yuan if kpis is not None else 0.0
        extra = translate("cli.compare_moved", lang, n=f"{moved[r.label]:,}") if (
            r.label in moved) else ""
        say(translate("cli.compare_line", lang, label=r.label,
                      status=translate(f"cli.status.{r.result.status}", lang),
                      objective=f"{r.result.objective or 0:,.2f}",
                      gap=f"{100 * (r.result.gap or 0):.2f}", cost=f"{cost / 1e4:,.1f}",
                      extra=extra))
    say(translate("cli.wrote", lang, files=f"{outdir}/compare.html, compare.md, kpis.csv, "
                  "changes_blocks.csv, changes_pairs.csv, schools.csv, compare.xlsx, "
                  "closure_blocks.csv, township_boarding.csv"))


@cli.command("sweep")
def sweep_command(
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
    if scheduler and scheduler != "local" and workers is not None:
        err.print("note: --workers is ignored with a remote scheduler (its workers decide)",
                  highlight=False)
    tell = (lambda text: None) if quiet else (
        lambda text: err.print(text, highlight=False, markup=False, soft_wrap=True))
    try:
        report = run_sweep(spec, outdir, workers=workers, scheduler=scheduler, quiet=quiet,
                           dry_run=dry_run, connect_timeout=connect_timeout,
                           retry_failed=retry_failed, say=tell)
    except SpecError as exc:
        fail_input(ScenarioError(exc.findings, exc.source))
    except BackendError as exc:
        fail_input(exc)
    except KeyboardInterrupt:
        err.print(f"interrupted: finished variants are kept in {outdir}; run the same "
                  "command again to solve the rest", highlight=False)
        raise typer.Exit(130) from None
    if dry_run:
        print_dry_run(report)
        return
    print_sweep(report)
    if report.failed_list or report.missing:
        raise typer.Exit(1)


def print_dry_run(report: SweepReport) -> None:
    """Each variant with todo / done, the notes, and the counts."""
    sw = report.sweep
    todo_ids = {v.id for v in report.todo}
    for v in sw.variants:
        say(f"{'todo' if v.id in todo_ids else 'done'}  {v.id}  {v.label}")
    for note in report.notes:
        say(note)
    say(f"{len(sw.variants)} variants: {report.finished_before} finished, "
        f"{report.failed_before} failed (bad input), {len(report.todo)} to solve")


def print_sweep(report: SweepReport) -> None:
    """The sweep's outcome: counts, the best variants, the Pareto front, where it wrote."""
    t = report.table
    n = len(report.sweep.variants)
    finished = 0 if t is None else len(t)
    say(f"{n} variants: {finished} finished ({report.solved} solved now, "
        f"{report.finished_before} earlier), {len(report.failed_list)} failed "
        "(OUTDIR/<id>/error.txt)" + (f", {len(report.missing)} not run"
                                     if report.missing else ""))
    if t is not None and len(t):
        keys = [k.lstrip("-") for k in report.sweep.spec.rank]
        for _, row in t.head(5).iterrows():
            figs = "  ".join(f"{k} {format_value(row[k])}" for k in keys
                             if isinstance(row[k], (int, float)) and not math.isnan(row[k]))
            star = "  (Pareto front)" if row["pareto"] else ""
            say(f"#{row['rank']} {row['label']}: {row['status']}  {figs}{star}")
        say(f"Pareto front: {int(t['pareto'].sum())} variants")
    compared = report.summary and (report.summary / "compare").is_dir()
    say(f"wrote {report.summary}/ranking.md, ranking.html, ranking.csv, pareto.csv"
        + (", compare/" if compared else ""))
