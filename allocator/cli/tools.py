"""Commands around files and the service: generate, import, map, serve."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from allocator import (
    ScenarioError,
    generate_scenario,
    import_scenario,
    translate,
    write_map,
    write_scenario,
)

from .common import app, err, fail_input, lang_option, pick_lang, read_result, read_scenario, say


@app.command("generate")
def generate_command(
    output: Path = typer.Option(..., "-o", "--out", help="scenario JSON to write"),
    schools: int = typer.Option(50, "--schools", min=2),
    blocks: int = typer.Option(1000, "--blocks", min=1),
    seed: int = typer.Option(0, "--seed"),
    tight: bool = typer.Option(False, "--tight", help="lumpy blocks, little spare capacity"),
    teachers: bool = typer.Option(False, "--teachers", help="include a teacher roster"),
) -> None:
    """Write a seeded synthetic county scenario."""
    write_scenario(output, generate_scenario(schools, blocks, seed=seed, tight=tight,
                                             teachers=teachers))
    say(f"wrote {output}")


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: loopback "
                             "only)"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int | None = typer.Option(None, "--workers", min=1, help="job solves running at "
                                       "once (default: ALLOCATOR_WORKERS or 2)"),
) -> None:
    """Start the HTTP service (uvicorn; settings from ALLOCATOR_* variables or .env)."""
    import uvicorn

    if workers is not None:
        os.environ["ALLOCATOR_WORKERS"] = str(workers)
    # the import string keeps `allocator` free of imports from `api`; one server process:
    # the solves themselves run in worker processes
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=1)


def scenario_of(result_dir: Path, scenario: Path | None) -> Path:
    """The scenario file of a result folder: `scenario`, else the copy `solve` keeps there;
    exit 2 telling how to give it."""
    if scenario is not None:
        return scenario
    copy = result_dir / "scenario.json"
    if not copy.exists():
        fail_input(ValueError(f"{result_dir} holds no scenario.json; pass the scenario with "
                              "--scenario"))
    return copy


@app.command("map")
def map_command(
    result_dir: Path = typer.Argument(..., help="result folder (holding result.json)"),
    output: Path = typer.Option(..., "-o", "--out", help="map file: .geojson, .gpkg, .png "
                                "or .html (offline interactive map)"),
    scenario: Path | None = typer.Option(None, "--scenario", help="scenario JSON (default: "
                                         "scenario.json in the result folder)"),
    lang: str | None = lang_option(),
) -> None:
    """Export catchments, schools, blocks and boarding flows of a result as a map (legend,
    layer names and popups in --lang)."""
    language = pick_lang(lang)
    res = read_result(result_dir)
    sc = read_scenario(scenario_of(result_dir, scenario))
    try:
        written = write_map(res, sc, output, language, tell=lambda m: err.print(
            m, highlight=False, markup=False))
    except ScenarioError as exc:
        fail_input(exc)
    except (ValueError, OSError) as exc:
        fail_input(ValueError(f"cannot write {output}: {exc}"))
    say(translate("cli.wrote", language, files=", ".join(str(p) for p in written)))


@app.command("import")
def import_command(
    mapping: Path = typer.Argument(..., help="column-mapping file (.toml or .json), or a "
                                   "workbook written by `allocator template` (.xlsx)"),
    output: Path = typer.Option(..., "-o", "--out", help="scenario JSON to write"),
) -> None:
    """Build a scenario JSON from the planner's workbook or a column-mapping file.

    A workbook written by `allocator template` needs no mapping; a mapping file (.toml /
    .json) names CSV / XLSX / GIS layers and their columns."""
    try:
        summary = import_scenario(mapping, output)
    except ScenarioError as exc:
        fail_input(exc)
    say(f"wrote {output}: {summary}")
