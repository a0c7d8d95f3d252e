"""The planner's Excel files: `template` (the workbook to fill in, empty or from a scenario)
and `export` (the bureau's report of a result). `import` reads a filled-in template."""

from __future__ import annotations

from pathlib import Path

import typer

from allocator import ScenarioError, export_workbook, translate, write_template

from .common import app, fail_input, lang_option, pick_lang, read_result, read_scenario, say


@app.command("template")
def template_command(
    output: Path = typer.Option(..., "-o", "--out", help="workbook to write (.xlsx)"),
    scenario: Path | None = typer.Option(None, "--from", help="fill it from this scenario "
                                         "JSON (default: an empty template)"),
    lang: str | None = lang_option(),
) -> None:
    """Write the planner's Excel template: schools, blocks, current plan, teachers, layout,
    options; `allocator import` reads it back with no mapping file."""
    language = pick_lang(lang)
    sc = read_scenario(scenario) if scenario is not None else None
    if output.suffix.lower() != ".xlsx":
        fail_input(ValueError(f"{output}: the template is an Excel workbook; name it .xlsx"))
    try:
        write_template(output, sc, language)
    except ScenarioError as exc:
        fail_input(exc)
    except OSError as exc:
        fail_input(ValueError(f"cannot write {output}: {exc}"))
    say(translate("cli.wrote", language, files=str(output)))


@app.command("export")
def export_command(
    result_dir: Path = typer.Argument(..., help="result folder (holding result.json)"),
    output: Path = typer.Option(..., "-o", "--out", help="Excel report to write (.xlsx)"),
    lang: str | None = lang_option(),
) -> None:
    """Write the Excel report of a result: summary, schools, assignments, violations,
    teacher moves, quota, staffing and balance indicators."""
    language = pick_lang(lang)
    res = read_result(result_dir)
    if output.suffix.lower() != ".xlsx":
        fail_input(ValueError(f"{output}: the report is an Excel workbook; name it .xlsx"))
    try:
        export_workbook(res, output, language)
    except OSError as exc:
        fail_input(ValueError(f"cannot write {output}: {exc}"))
    say(translate("cli.wrote", language, files=str(output)))
