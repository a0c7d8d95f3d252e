"""result.json: the contract with the API, the CLI, maps and comparisons.

`Result` is written with a stable key order (model field order) so two results diff cleanly.
`write_outputs` writes result.json, assignments.csv and schools.csv into a folder atomically:
everything goes to a temporary sibling folder first, which replaces the target only when
complete, so a failed run never leaves a half-written output folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from .scenario import Finding

RESULT_VERSION = 1

Status = Literal["optimal", "feasible", "infeasible", "unknown", "error"]


class Assignment(BaseModel):
    """The children of one block in some grades attend one school."""

    block: str
    level: Literal["primary", "junior"]
    grades: str = Field(description='grades of this row, e.g. "1-6" or "1-3"')
    school: str
    pupils: int
    boarders: int
    distance_km: float
    moved: int = Field(0, description="pupils whose school differs from today's")


class SchoolResult(BaseModel):
    id: str
    name: str | None = None
    kind: str
    township: str | None = None
    urban: bool = False
    enrolment: int
    enrolment_by_grade: list[int]
    classes_by_grade: list[int]
    classes: int
    classrooms: int
    max_class_size: int
    size_cap: int
    boarders: int
    beds: int
    utilisation: float = Field(description="classes / classrooms")
    teachers_before: int | None = None
    teachers_after: int | None = None
    fixed_cost_yuan: float = Field(0.0, description="annual fixed cost while open (layout)")


class CatchmentSummary(BaseModel):
    """One school's catchment for one level (issue 5): its blocks and connected parts."""

    school: str
    level: Literal["primary", "junior"]
    blocks: int
    pupils: int
    parts: int = Field(description="connected groups of blocks under the block adjacency")


class Violation(BaseModel):
    """A broken rule: which rule, on which record, by how much."""

    rule: str
    subject: str = Field(description="school, block or teacher id")
    amount: float
    unit: str
    message: str
    grade: int | None = None
    cost: float = Field(0.0, description="elastic penalty, pupil-km equivalents")


class Move(BaseModel):
    teacher: str
    from_school: str = Field(alias="from")
    to: str
    subject: str
    backbone: bool
    title: str | None = None
    distance_km: float | None = None
    reason: str | None = None
    level: Literal["primary", "junior"] | None = None
    volunteer: bool | None = None

    model_config = {"populate_by_name": True}


class Objective(BaseModel):
    travel: float = Field(description="weighted pupil-km")
    stability: float = Field(description="weighted pupils moved")
    penalties: dict[str, float] = Field(default_factory=dict)
    fixed_cost: float = Field(0.0, description="weighted fixed costs of kept choose "
                              "candidates (layout)")
    total: float


class Result(BaseModel):
    version: int = RESULT_VERSION
    scenario: str
    status: Status
    strict: bool
    message: str | None = None
    objective: float | None = None
    lower_bound: float | None = None
    gap: float | None = None
    objective_terms: Objective | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    solver: dict[str, Any] = Field(default_factory=dict)
    students: dict[str, list[Assignment]] = Field(default_factory=lambda: {"assignments": []})
    schools: list[SchoolResult] = Field(default_factory=list)
    catchments: list[CatchmentSummary] = Field(default_factory=list)
    teachers: dict[str, Any] = Field(default_factory=lambda: {"moves": []})
    violations: list[Violation] = Field(default_factory=list)
    kpis: dict[str, Any] = Field(default_factory=dict)
    layout: dict[str, Any] = Field(default_factory=dict, description="layout operations "
                                   "applied; choose: candidates kept and closed (issue 4)")
    balance: dict[str, Any] = Field(default_factory=dict, description="balance report: the "
                                    "seven resource indicators per school, CVs (issue 4)")
    warnings: list[Finding] = Field(default_factory=list)
    stages: list[Literal["students", "teachers"]] = Field(
        default_factory=lambda: ["students"], description="the stages this result holds")

    @property
    def assignments(self) -> list[Assignment]:
        return self.students["assignments"]


_NUMBER_LIST = re.compile(r"\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]")


def result_to_json(result: Result) -> str:
    """Serialise with stable key order, 2-space indentation, number lists on one line."""
    text = json.dumps(result.model_dump(mode="json", by_alias=True), ensure_ascii=False,
                      indent=2)
    return _NUMBER_LIST.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(","))
                            + "]", text) + "\n"


def load_result(path: str | Path) -> Result:
    """Read result.json (a file, or a folder holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / "result.json"
    return Result.model_validate_json(p.read_text(encoding="utf-8"))


def assignments_frame(result: Result) -> pd.DataFrame:
    cols = ["block", "level", "grades", "school", "pupils", "boarders", "distance_km", "moved"]
    rows = [a.model_dump() for a in result.assignments]
    return pd.DataFrame(rows, columns=cols)


def schools_frame(result: Result) -> pd.DataFrame:
    rows = []
    for s in result.schools:
        d = s.model_dump()
        for g in range(9):
            d[f"pupils_g{g + 1}"] = s.enrolment_by_grade[g]
            d[f"classes_g{g + 1}"] = s.classes_by_grade[g]
        del d["enrolment_by_grade"], d["classes_by_grade"]
        rows.append(d)
    return pd.DataFrame(rows)


def write_outputs(result: Result, outdir: str | Path,
                  extra: dict[str, bytes | str] | None = None) -> Path:
    """Write result.json, assignments.csv, schools.csv (and `extra` files) into `outdir`.

    All files are first written to a temporary sibling folder; only when every one is
    complete are they moved into `outdir` (a new folder is renamed into place whole). Files
    already in `outdir` that are not outputs are left alone; on any error nothing changes.
    """
    out = Path(outdir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (tmp / "result.json").write_text(result_to_json(result), encoding="utf-8")
        assignments_frame(result).to_csv(tmp / "assignments.csv", index=False)
        schools_frame(result).to_csv(tmp / "schools.csv", index=False)
        for name, data in (extra or {}).items():
            target = tmp / name
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data, encoding="utf-8")
        if not out.exists():
            os.replace(tmp, out)
            return out
        if not out.is_dir():
            raise NotADirectoryError(f"{out} exists and is not a folder")
        for f in sorted(tmp.iterdir()):
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
