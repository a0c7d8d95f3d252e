"""A comparison study: gather the runs to compare, solving scenario files the way `allocator
solve` does (every stage, the teacher rotation included), then compare them.

Inputs are result folders (result.json and the scenario.json `solve` keeps there), scenario
files, or runs already in hand (`Run`: a scenario and its result, e.g. finished service
jobs). Every input is read and every scenario file checked before anything is solved, so bad
input stops the study with the file, record and field at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from allocator.io.result_folder import read_result_folder
from allocator.model.budget import Progress
from allocator.model.findings import ScenarioError
from allocator.model.loading import load_scenario
from allocator.pipeline import solve, validate
from allocator.report.compare import Comparison, Run, compare_runs, unique_labels


def _read(p: Path) -> Run:
    """A result folder as a run, or a checked scenario file as a run still to solve (its
    result None)."""
    if p.is_dir():
        sc, res, text = read_result_folder(p)
        return Run(label=p.name, source=str(p), scenario=sc, result=res, scenario_text=text)
    sc = load_scenario(p)
    errors = [f for f in validate(sc) if f.severity == "error"]
    if errors:
        raise ScenarioError(errors, str(p))
    return Run(label=p.stem, source=str(p), scenario=sc, result=None,  # type: ignore[arg-type]
               solved_here=True, scenario_text=p.read_text(encoding="utf-8-sig"))


def gather_runs(inputs: Sequence[str | Path | Run], *, time_limit: float | None = None,
                progress: Progress | None = None,
                announce: Callable[[str], None] | None = None) -> list[Run]:
    """The runs of `inputs`, labels made unique (and usable as folder names); scenario files
    solved with every stage. Raises ScenarioError naming the file for bad input, before
    anything is solved."""
    runs = [x if isinstance(x, Run) else _read(Path(x)) for x in inputs]
    for run, label in zip(runs, unique_labels([r.label for r in runs]), strict=True):
        run.label = label
    for run in runs:
        if run.result is None:
            if announce is not None:
                announce(f"solving {run.source} ({run.label})")
            try:
                run.result = solve(run.scenario, time_limit=time_limit, progress=progress)
            except ScenarioError as exc:
                exc.source = exc.source or run.source
                raise
    return runs


def compare(inputs: Sequence[str | Path | Run], *, time_limit: float | None = None,
            progress: Progress | None = None,
            announce: Callable[[str], None] | None = None) -> Comparison:
    """Compare the inputs with the first (see the module docstring): KPIs, pupils whose
    school changes, schools before and after. `time_limit` and `progress` apply to each
    scenario file solved; `announce(text)` hears which one starts."""
    return compare_runs(gather_runs(inputs, time_limit=time_limit, progress=progress,
                                    announce=announce))
