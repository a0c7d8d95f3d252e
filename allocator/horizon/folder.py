"""A plan folder, written whole: `<year>/` per school year (a result folder as `allocator
solve` writes it; its scenario.json is the year's scenario of cohort units), the plan's
scenario.json, timeline.json, timeline.csv and timeline.html. Reading one back for
`verify` and `compare`.

`plan_writer` stages the folder: `allocator plan` writes each year's result folder into it
as soon as the year is solved (`plan_horizon(write=writer.add_year)`, inside the year's
time limit), the plan's own files at the end (`finish`); only then does the folder replace
its namesake. `write_plan` writes a solved plan the same way, all at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
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
from .run import Plan, PlanYear
from .timeline import targets_table, timeline_csv, timeline_json


def scenario_json(sc: Scenario) -> str:
    """A scenario as a scenario file holds it (aliases, no nulls; pydantic's own JSON
    writer, the same keys and values as `model_dump(mode="json")` through `json.dumps`)."""
    return sc.model_dump_json(by_alias=True, exclude_none=True, indent=1) + "\n"


def year_files(py: PlanYear) -> dict[str, str | bytes]:
    """The files of one year's result folder, by path relative to the plan folder
    (`<year>/result.json`, ...; its scenario.json is the year's scenario)."""
    return {f"{py.year}/{name}": data
            for name, data in result_files(py.result, scenario_json(py.scenario)).items()}


def timeline_files(plan: Plan, scenario_text: str | bytes | None = None,
                   lang: str | None = None) -> dict[str, str | bytes]:
    """The plan's own files: scenario.json (`scenario_text` when given, else the plan's
    scenario serialised) and the timeline of every year solved."""
    rows = plan.rows()
    targets = targets_table([(py.year, py.result) for py in plan.years])
    sc = plan.scenario
    return {"scenario.json": scenario_text if scenario_text is not None else scenario_json(sc),
            "timeline.json": timeline_json(sc.name, sc.options.continuity, rows, targets),
            "timeline.csv": timeline_csv(rows),
            "timeline.html": timeline_html(sc.name, rows, targets, lang)}


def plan_files(plan: Plan, scenario_text: str | bytes | None = None,
               lang: str | None = None) -> dict[str, str | bytes]:
    """Every file of the plan folder by relative path (see the module docstring)."""
    files: dict[str, str | bytes] = {}
    for py in plan.years:
        files.update(year_files(py))
    files.update(timeline_files(plan, scenario_text, lang))
    return files


class PlanWriter:
    """Fills a staged plan folder: each year's files as soon as the year is solved
    (`add_year`, the `write` callback of `plan_horizon`), the plan's files at the end
    (`finish`). Only `plan_writer` makes one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.finished = False

    def add_year(self, py: PlanYear) -> None:
        """Write the year's result folder `<year>/` into the staged folder."""
        write_files(self.folder, year_files(py))

    def finish(self, plan: Plan, scenario_text: str | bytes | None = None,
               lang: str | None = None, extra: dict[str, str | bytes] | None = None) -> None:
        """Write the plan's scenario.json, timeline files and `extra` files (relative path:
        text), and the result folder of any year of `plan` not yet written; the folder is
        then published when the `plan_writer` block ends."""
        for py in plan.years:
            if not (self.folder / str(py.year) / "result.json").is_file():
                self.add_year(py)
        write_files(self.folder, {**timeline_files(plan, scenario_text, lang), **(extra or {})})
        self.finished = True


@contextmanager
def plan_writer(outdir: str | Path) -> Iterator[PlanWriter]:
    """A `PlanWriter` on a staged folder beside `outdir`: the plan folder `outdir` appears
    (replacing an earlier plan folder of that name) only when the block ends without error
    after `finish`; on any error, or without `finish` (RuntimeError), the staged files are
    removed and `outdir` is unchanged. Raises FileExistsError when `outdir` holds other
    files than a plan's."""
    out = Path(outdir)
    if out.is_dir() and any(out.iterdir()) and not is_plan_folder(out):
        raise FileExistsError(f"{out} is not empty and holds no plan (timeline.json); "
                              "choose a new folder")
    with staged_folder(out) as tmp:
        writer = PlanWriter(tmp)
        yield writer
        if not writer.finished:
            raise RuntimeError(f"the plan folder {out} was left unfinished")


def write_plan(plan: Plan, outdir: str | Path, *, scenario_text: str | bytes | None = None,
               lang: str | None = None, extra: dict[str, str | bytes] | None = None) -> Path:
    """Write the plan folder `outdir` whole (it replaces an earlier plan folder of that
    name only once every file is complete; on any error nothing changes), with `extra`
    files (relative path: text) beside the plan's. Returns the folder. Raises
    FileExistsError when `outdir` holds other files than a plan's."""
    with plan_writer(outdir) as writer:
        writer.finish(plan, scenario_text, lang, extra)
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
