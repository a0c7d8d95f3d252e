"""A result folder: result.json and the tables a planner opens in Excel, written whole.

`write_result` writes result.json, assignments.csv and schools.csv, rotation.csv and
staffing.csv when the teacher stage ran, scenario.json when the scenario's text is given
(so `allocator map`, `verify` and `compare` need nothing else), and any extra files. The
files go to a staged folder first and replace their namesakes only when every one is
complete; other files in the folder are left alone. `load_result` reads result.json (a file,
or a folder holding one).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from allocator.model.findings import Finding, ScenarioError
from allocator.model.loading import load_scenario
from allocator.model.result import Result, parse_result, result_to_json
from allocator.model.rotation import Move, StaffingRow
from allocator.model.scenario import Scenario

from .atomic import staged_folder, write_files

ASSIGNMENT_COLUMNS = ["block", "level", "grades", "school", "pupils", "boarders",
                      "distance_km", "moved"]
MOVE_COLUMNS = ["teacher", "level", "subject", "from", "to", "backbone", "title", "volunteer",
                "distance_km", "reason"]


def assignments_frame(result: Result) -> pd.DataFrame:
    """assignments.csv: one row per block, level (or grade segment) and school."""
    return pd.DataFrame([a.model_dump() for a in result.assignments],
                        columns=ASSIGNMENT_COLUMNS)


def schools_frame(result: Result) -> pd.DataFrame:
    """schools.csv: one row per open school, pupils and classes per grade as columns."""
    rows = []
    for s in result.schools:
        d = s.model_dump()
        for g in range(9):
            d[f"pupils_g{g + 1}"] = s.enrolment_by_grade[g]
            d[f"classes_g{g + 1}"] = s.classes_by_grade[g]
        del d["enrolment_by_grade"], d["classes_by_grade"]
        rows.append(d)
    return pd.DataFrame(rows)


def rotation_frame(moves: list[Move]) -> pd.DataFrame:
    """rotation.csv: one row per teacher move."""
    rows = [m.model_dump(mode="json", by_alias=True) for m in moves]
    return pd.DataFrame([{c: m.get(c) for c in MOVE_COLUMNS} for m in rows],
                        columns=MOVE_COLUMNS)


def staffing_frame(rows: list[StaffingRow]) -> pd.DataFrame:
    """staffing.csv: one row per school and level (subject needs as `<subject>_<figure>`)."""
    flat = []
    for row in rows:
        r = row.model_dump(mode="json")
        d = {k: v for k, v in r.items() if k != "subjects"}
        for subject, v in (r.get("subjects") or {}).items():
            for k, x in v.items():
                d[f"{subject}_{k}"] = x
        flat.append(d)
    return pd.DataFrame(flat).convert_dtypes()  # counts stay integers where a row has none


def result_files(result: Result, scenario_text: str | bytes | None = None
                 ) -> dict[str, str | bytes]:
    """Every file of a result folder, by name (see the module docstring)."""
    files: dict[str, str | bytes] = {
        "result.json": result_to_json(result),
        "assignments.csv": assignments_frame(result).to_csv(index=False),
        "schools.csv": schools_frame(result).to_csv(index=False)}
    if result.teachers is not None:
        files["rotation.csv"] = rotation_frame(result.teachers.moves).to_csv(index=False)
        files["staffing.csv"] = staffing_frame(result.teachers.schools).to_csv(index=False)
    if scenario_text is not None:
        files["scenario.json"] = scenario_text
    return files


def write_result(result: Result, outdir: str | Path, *, scenario_text: str | bytes | None = None,
                 extra: dict[str, str | bytes] | None = None) -> Path:
    """Write the result folder `outdir` (see the module docstring); returns it. On any
    error nothing in `outdir` changes."""
    with staged_folder(outdir, merge=True) as tmp:
        write_files(tmp, {**result_files(result, scenario_text), **(extra or {})})
    return Path(outdir)


def load_result(path: str | Path) -> Result:
    """Read result.json (a file, or a folder holding one). Raises OSError when it cannot be
    read and ValueError (pydantic's ValidationError) when it is not a result."""
    p = Path(path)
    if p.is_dir():
        p = p / "result.json"
    return parse_result(p.read_text(encoding="utf-8"))


def read_result_folder(path: Path) -> tuple[Scenario, Result, str]:
    """The scenario and result of a folder written by `allocator solve`; ScenarioError
    (naming the folder) when either is missing or unreadable."""
    try:
        result = load_result(path)
    except (OSError, ValidationError, ValueError) as exc:
        raise ScenarioError([Finding(severity="error", code="file", path=str(path),
                                     message=f"not a readable result folder ({exc})")],
                            str(path)) from None
    sc_path = path / "scenario.json"
    if not sc_path.exists():
        raise ScenarioError([Finding(severity="error", code="file", path=str(path),
                                     message="holds no scenario.json (written by `allocator "
                                             "solve`); pass the scenario file instead")],
                            str(path))
    return load_scenario(sc_path), result, sc_path.read_text(encoding="utf-8-sig")
