"""result.json: the contract with the API, the CLI, maps and comparisons.

`Result` is written with a stable key order (model field order) so two results diff cleanly;
every section is a typed model (`allocator schema --result` prints the JSON Schema). Sections
of a stage that did not run are written as `{}` (`teachers`: `{"moves": []}`) and read back
as None. Writing result folders lives in `allocator.io.result_folder`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_serializer

from .base import Contract, empty_when_absent
from .findings import Finding
from .horizon import HorizonSection
from .investment import Investment, InvestmentTotal, Relief
from .kpis import Kpis
from .rotation import Move, TeachersSection
from .sections import BalanceReport, LayoutSection, SolverStats
from .summary import summarize_result

RESULT_VERSION = 3

Status = Literal["optimal", "feasible", "infeasible", "unknown", "error"]


class Assignment(Contract):
    """The children of one block in some grades attend one school."""

    block: str
    level: Literal["primary", "junior"]
    grades: str = Field(description='grades of this row, e.g. "1-6" or "1-3"')
    school: str
    pupils: int
    boarders: int
    distance_km: float
    moved: int = Field(0, description="pupils whose school differs from today's")


class SchoolResult(Contract):
    """One open school under the plan: enrolment and classes by grade, rooms, beds."""

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


class CatchmentSummary(Contract):
    """One school's catchment for one level: its blocks and connected parts."""

    school: str
    level: Literal["primary", "junior"]
    blocks: int
    pupils: int
    parts: int = Field(description="connected groups of blocks under the block adjacency")


class Violation(Contract):
    """A broken rule: which rule, on which record, by how much."""

    rule: str
    subject: str = Field(description="school, block or teacher id")
    amount: float
    unit: str
    message: str
    grade: int | None = None
    cost: float = Field(0.0, description="elastic penalty, pupil-km equivalents")
    relief: Relief | None = Field(None, description="the smallest capacity change at the "
                                  "school that removes it, with its cost; null where no "
                                  "capacity change does (e.g. the size cap, other rules)")
    school: str | None = Field(None, description="the school attended, where the subject is "
                               "a block (young_beyond_day_radius, group_intake)")
    km_beyond: float | None = Field(None, description="young_beyond_day_radius: km beyond "
                                    "the day radius")


class Objective(Contract):
    """The objective split into its terms (pupil-km equivalents)."""

    travel: float = Field(description="weighted pupil-km")
    stability: float = Field(description="weighted pupils moved")
    penalties: dict[str, float] = Field(default_factory=dict)
    fixed_cost: float = Field(0.0, description="weighted fixed costs of kept choose "
                              "candidates")
    investment: float = Field(0.0, description="weighted annual cost of the investments")
    total: float


class StudentsSection(Contract):
    assignments: list[Assignment] = Field(default_factory=list)


_ABSENT = {"kpis": {}, "layout": {}, "balance": {}, "teachers": {"moves": []},
           "horizon": {}}


class Result(Contract):
    """A solved scenario: status, objective, bound and gap, the student plan (assignments,
    schools, catchments), the teacher rotation, every broken rule, the KPIs, the layout's
    effect and the balance report. `status`: optimal (proven), feasible (a plan, not proven
    best), infeasible (strict rules cannot all hold; the least-bad plan explains why),
    unknown (no plan meeting every strict rule found in time), error."""

    version: int = RESULT_VERSION
    scenario: str
    status: Status
    strict: bool
    invest: bool = Field(False, description="the plan may add classrooms and beds "
                         "(options.invest)")
    message: str | None = None
    objective: float | None = None
    lower_bound: float | None = Field(None, description="valid for the unpruned problem")
    gap: float | None = Field(None, description="(objective - lower_bound) / objective")
    objective_terms: Objective | None = None
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per step")
    solver: SolverStats = Field(default_factory=SolverStats)
    students: StudentsSection = Field(default_factory=StudentsSection)
    schools: list[SchoolResult] = Field(default_factory=list)
    catchments: list[CatchmentSummary] = Field(default_factory=list)
    teachers: TeachersSection | None = Field(
        None, json_schema_extra=empty_when_absent(_ABSENT["teachers"]),
        description="the teacher rotation; {\"moves\": []} when it did not run")
    violations: list[Violation] = Field(default_factory=list)
    investments: list[Investment] = Field(default_factory=list, description="classrooms "
                                          "and beds the plan adds (options.invest)")
    investments_total: InvestmentTotal = Field(default_factory=InvestmentTotal)
    kpis: Kpis | None = Field(None, json_schema_extra=empty_when_absent({}),
                              description="{} without a student plan")
    layout: LayoutSection | None = Field(None, json_schema_extra=empty_when_absent({}),
                                         description="layout operations applied; choose: "
                                                     "candidates kept and closed")
    balance: BalanceReport | None = Field(None, json_schema_extra=empty_when_absent({}),
                                          description="balance report: the seven resource "
                                                      "indicators per school, CVs")
    warnings: list[Finding] = Field(default_factory=list)
    stages: list[Literal["students", "teachers"]] = Field(
        default_factory=lambda: ["students"], description="the stages this result holds")
    horizon: HorizonSection | None = Field(
        None, json_schema_extra=empty_when_absent({}), description="one year of a horizon "
        "plan (`allocator plan`): cohorts, pupils moved, targets; {} for a single-year solve")

    @field_validator("teachers", "kpis", "layout", "balance", "horizon", mode="before")
    @classmethod
    def _absent(cls, value: Any, info) -> Any:
        return None if value == _ABSENT[info.field_name] else value

    @model_serializer(mode="wrap")
    def _write_absent(self, handler):
        data = handler(self)
        for key, placeholder in _ABSENT.items():
            if data.get(key) is None:
                data[key] = json.loads(json.dumps(placeholder))
        return data

    @property
    def assignments(self) -> list[Assignment]:
        return self.students.assignments

    @property
    def moves(self) -> list[Move]:
        """The teacher moves (empty when the rotation did not run)."""
        return self.teachers.moves if self.teachers is not None else []

    def summary(self, lang: str = "en") -> str:
        """A few lines for people in `lang` (`en` / `zh`): status, objective, bound and gap,
        the main KPIs, the rules broken (id and translated title) and the rotation's outcome
        (what `allocator solve` prints)."""
        return summarize_result(self, lang)


_NUMBER_LIST = re.compile(r"\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]")


def result_to_json(result: Result) -> str:
    """Serialise with stable key order, 2-space indentation, number lists on one line
    (pydantic's own JSON writer: the same keys and values as `model_dump(mode="json")`
    through `json.dumps`, many times faster on a county's result)."""
    text = result.model_dump_json(by_alias=True, indent=2)
    return _NUMBER_LIST.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(","))
                            + "]", text) + "\n"


def parse_result(text: str) -> Result:
    """A Result from the text of a result.json (pydantic's ValidationError when it is not)."""
    return Result.model_validate_json(text)


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of result.json (what `allocator schema --result` prints)."""
    schema = Result.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "School-district allocation result"
    return schema
