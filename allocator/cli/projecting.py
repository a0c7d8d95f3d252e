"""`allocator project`: project enrolment over a horizon and print a summary table."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from allocator import (
    ProjectionTable,
    ScenarioError,
    project_scenario,
    translate,
    write_projection,
)

from .common import app, fail_input, lang_option, out, pick_lang, read_scenario, say

VARIANTS = ("low", "medium", "high")


def summary_table(table: ProjectionTable, lang: str) -> Table:
    """The county's pupils per year (primary, junior, grade 1, total and the change of the
    total from the first year), headed in `lang`."""
    title = translate("projection.summary.title", lang, base=table.base_year,
                      variant=translate(f"projection.variant.{table.variant}", lang))
    grid = Table(title=title)
    rows = table.county()
    first = rows[0].total if rows else 0
    for key in ("year", "primary", "junior", "grade_1", "total", "change"):
        grid.add_column(translate(f"projection.col.{key}", lang, year=table.years[0]),
                        justify="left" if key == "year" else "right")
    for r in rows:
        change = f"{(r.total - first) / first:+.1%}" if first else "-"
        grid.add_row(str(r.year), f"{r.primary:,}", f"{r.junior:,}", f"{r.grade_1:,}",
                     f"{r.total:,}", change)
    return grid


@app.command("project")
def project_command(
    scenario: Path = typer.Argument(..., help="scenario JSON"),
    years: str = typer.Option(..., "--years", help="horizon, e.g. 2026-2032"),
    variant: str = typer.Option("medium", "--variant", help="low | medium | high (高中低方案)"),
    output: Path = typer.Option(..., "-o", "--out", help="projected scenario JSON to write"),
    table: Path | None = typer.Option(None, "--table", help="projection table to write "
                                      "(.csv, or .json)"),
    lang: str | None = lang_option(),
) -> None:
    """Project pupils per grade of every block over the years (cohorts move up, grade 1
    from children by age, births or the trend, new housing from its year) and write the
    scenario with students_by_year filled, and the projection table."""
    language = pick_lang(lang)
    if variant not in VARIANTS:
        fail_input(ValueError(f"--variant '{variant}' is not one of low, medium, high"))
    sc = read_scenario(scenario)
    try:
        projection = project_scenario(sc, years, variant, source=str(scenario))
    except ScenarioError as exc:
        fail_input(exc)
    written = write_projection(projection, output, table)
    out.print(summary_table(projection.table, language))
    say(translate("cli.wrote", language, files=", ".join(str(p) for p in written)))
