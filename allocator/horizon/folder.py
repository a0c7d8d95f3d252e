"""A plan folder, written whole: `<year>/` per school year (a result folder as `allocator
solve` writes it; its scenario.json is the year's scenario of cohort units), the plan's
scenario.json, timeline.json, timeline.csv and timeline.html. Reading one back for
`verify` and `compare`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from allocator.io.atomic import staged_folder, write_files
from allocator.io.result_folder import load_result, result_files
from allocator.model.findings import Finding, ScenarioError
from allocator.model.loading import load_scenario
from allocator.model.result import Result
from allocator.model.scenario import Scenario

from .page import timeline_html
from .run import Plan
from .timeline import targets_table, timeline_csv, timeline_json


def scenario_json(sc: Scenario) -> str:
    """A scenario as a scenario file holds it (aliases, no nulls)."""
    return json.dumps(sc.model_dump(mode="json", by_alias=True, exclude_none=True),
                      ensure_ascii=False, indent=1) + "\n"


def plan_files(plan: Plan, scenario_text: str | bytes | None = None,
               lang: str | None = None) -> dict[str, str | bytes]:
    """Every file of the plan folder by relative path (see the module docstring)."""
    files: dict[str, str | bytes] = {}
    for py in plan.years:
        for name, data in result_files(py.result, scenario_json(py.scenario)).items():
            files[f"{py.year}/{name}"] = data
    rows = plan.rows()
    targets = targets_table([(py.year, py.result) for py in plan.years])
    sc = plan.scenario
    files["scenario.json"] = scenario_text if scenario_text is not None else scenario_json(sc)
    files["timeline.json"] = timeline_json(sc.name, sc.options.continuity, rows, targets)
    files["timeline.csv"] = timeline_csv(rows)
    files["timeline.html"] = timeline_html(sc.name, rows, targets, lang)
    return files


def write_plan(plan: Plan, outdir: str | Path, *, scenario_text: str | bytes | None = None,
               lang: str | None = None, extra: dict[str, str | bytes] | None = None) -> Path:
    """Write the plan folder `outdir` whole (it replaces an earlier plan folder of that
    name only once every file is complete; on any error nothing changes), with `extra`
    files (relative path: text) beside the plan's. Returns the folder. Raises
    FileExistsError when `outdir` holds other files than a plan's."""
    out = Path(outdir)
    if out.is_dir() and any(out.iterdir()) and not is_plan_folder(out):
        raise FileExistsError(f"{out} is not empty and holds no plan (timeline.json); "
                              "choose a new folder")
    with staged_folder(outdir) as tmp:
        write_files(tmp, {**plan_files(plan, scenario_text, lang), **(extra or {})})
    return Path(outdir)


def is_plan_folder(path: str | Path) -> bool:
    """True when `path` is a folder holding timeline.json (written by `allocator plan`)."""
    return (Path(path) / "timeline.json").is_file()


@dataclass
class PlanFolder:
    """A plan folder read back: the plan's scenario, the timeline and each year's
    scenario and result, in year order."""

    path: Path
    scenario: Scenario
    timeline: dict
    years: list[tuple[int, Scenario, Result]]


def _bad(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Finding(severity="error", code="file", path=str(path),
                                  message=message)], str(path))


def read_plan(path: str | Path) -> PlanFolder:
    """Read a plan folder; ScenarioError naming the file when one is missing or
    unreadable."""
    root = Path(path)
    try:
        timeline = json.loads((root / "timeline.json").read_text(encoding="utf-8"))
        years = [int(y) for y in timeline["years"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _bad(root / "timeline.json", f"not a readable plan timeline ({exc})") from None
    out = []
    for year in years:
        folder = root / str(year)
        try:
            result = load_result(folder)
        except (OSError, ValidationError, ValueError) as exc:
            raise _bad(folder, f"not a readable result folder ({exc})") from None
        out.append((year, load_scenario(folder / "scenario.json"), result))
    return PlanFolder(root, load_scenario(root / "scenario.json"), timeline, out)
