"""The scenario: the contract with users (pydantic v2).

Reading and checking a file lives in `loading` (`load_scenario`, `parse_scenario`);
cross-record rules (unknown ids, capacity shortfalls, ...) in `allocator.students.checks`.
This module only checks what one record can say about itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from .fields import (
    MAX_AMOUNT,
    MAX_BEDS,
    MAX_PUPILS,
    MAX_ROOMS,
    MAX_SCHOOL_SIZE,
    MAX_SECONDS,
    MAX_YEAR,
    MIN_YEAR,
    GradeCounts,
    Point,
    grades_to_list,
)
from .fields import Record as _Model
from .grades import KIND_GRADES, Kind, Level, parse_grade_key
from .projection import Birth, ChildrenByAge, Development, ProjectionSettings
from .targets import Target


class LevelClassrooms(_Model):
    """Classrooms counted per level, for a school whose rooms are not shared."""

    primary: int = Field(0, ge=0, le=MAX_ROOMS)
    junior: int = Field(0, ge=0, le=MAX_ROOMS)


class School(_Model):
    """One school (or teaching point). `grades` overrides the grades its kind serves."""

    id: str = Field(min_length=1)
    name: str | None = None
    kind: Kind
    location: Point | None = Field(None, description="[x, y] in the scenario CRS")
    township: str | None = None
    urban: bool = False
    grades: list[Annotated[int, Field(ge=1, le=9)]] | None = None
    classrooms: int | None = Field(None, ge=0, le=MAX_ROOMS,
                                   description="classrooms for all levels")
    classrooms_by_level: LevelClassrooms | None = None
    boarding_beds: int = Field(0, ge=0, le=MAX_BEDS)
    max_students: int | None = Field(None, ge=0, le=MAX_SCHOOL_SIZE,
                                     description="overrides the policy size cap")
    group: str | None = Field(None, description="学区 / 集团")
    strength: float | None = Field(None, ge=-MAX_AMOUNT, le=MAX_AMOUNT,
                                   description="school-strength score (higher = stronger)")
    annual_fixed_cost: float | None = Field(None, ge=0, le=MAX_AMOUNT,
                                            description="yuan per year when open")
    teaching_area_m2: float | None = Field(None, ge=0, le=MAX_AMOUNT)
    sports_area_m2: float | None = Field(None, ge=0, le=MAX_AMOUNT)
    equipment_value: float | None = Field(None, ge=0, le=MAX_AMOUNT, description="yuan")
    multimedia_rooms: int | None = Field(None, ge=0, le=MAX_ROOMS)
    status: Literal["open", "closed", "planned"] = "open"
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR,
                             description="a planned school's opening school year: a horizon "
                             "plan (`allocator plan`) opens it from that year on")

    def served_grades(self) -> tuple[int, ...]:
        """Grades this school takes: its `grades` override, else those of its kind."""
        return tuple(sorted(set(self.grades))) if self.grades else KIND_GRADES[self.kind]


class Block(_Model):
    """A residential area (village, community, estate block): the indivisible catchment unit."""

    id: str = Field(min_length=1)
    name: str | None = None
    location: Point | None = None
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON Polygon / MultiPolygon")
    township: str | None = None
    urban: bool = False
    group: str | None = Field(None, description="学区: with options.enrol_within_group its "
                              "pupils attend a school of this group")
    students: GradeCounts = Field(description="pupils in grades 1..9 (list or mapping)")
    students_by_year: dict[str, GradeCounts] | None = Field(
        None, description="pupils per grade by year (\"2027\": 9 counts): given, or filled "
        "by `allocator project`")
    children_by_age: ChildrenByAge | None = None
    left_behind: Annotated[int, Field(ge=0, le=9 * MAX_PUPILS)] | GradeCounts | None = Field(
        None, description="留守儿童 among the pupils: a total, or per grade (9 counts or a "
        "mapping); boarding beds go to them first")
    current_school: dict[str, str] | None = Field(
        None, description='today\'s school by level or grade range: {"primary": "S1", "7-9": "J2"}'
    )

    @field_validator("students", mode="before")
    @classmethod
    def _grade_list(cls, value: Any) -> Any:
        return grades_to_list(value)

    @field_validator("left_behind", mode="before")
    @classmethod
    def _left_behind_grades(cls, value: Any) -> Any:
        return grades_to_list(value) if isinstance(value, (dict, list, tuple)) else value

    @field_validator("students_by_year", mode="before")
    @classmethod
    def _years(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): grades_to_list(v) for k, v in value.items()}
        return value

    @field_validator("current_school")
    @classmethod
    def _current_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key in value or {}:
            parse_grade_key(key)
        return value

    def current_by_grade(self) -> list[str | None]:
        """Today's school for each grade 1..9 (None where not given)."""
        out: list[str | None] = [None] * 9
        for key, school in (self.current_school or {}).items():
            for g in parse_grade_key(key):
                out[g - 1] = school
        return out

    def pupils(self, year: str | None = None) -> list[int]:
        """Pupils per grade 1..9, for a projection year when given and present."""
        if year is not None and self.students_by_year and year in self.students_by_year:
            return list(self.students_by_year[year])
        return list(self.students)

    def left_behind_by_grade(self, year: str | None = None) -> list[int]:
        """Left-behind pupils per grade 1..9: as given per grade, or a total spread over the
        grades in proportion to their pupils (rounded down; the remainder to the highest
        grades with pupils), never more than a grade's pupils."""
        pupils = self.pupils(year)
        lb = self.left_behind
        if lb is None:
            return [0] * 9
        if isinstance(lb, list):
            return [min(int(n), p) for n, p in zip(lb, pupils, strict=True)]
        total = sum(pupils)
        n = min(int(lb), total)
        out = [n * p // total if total else 0 for p in pupils]
        for g in reversed(range(9)):
            extra = min(n - sum(out), pupils[g] - out[g])
            out[g] += max(0, extra)
        return out


class Teacher(_Model):
    """One teacher of the roster: school, subject, level, title, backbone status, years at
    the school and what decides eligibility for rotation (age, sex, exemption)."""

    id: str = Field(min_length=1)
    name: str | None = None
    school: str
    subject: str
    level: Level
    title: Literal["senior", "intermediate", "junior", "none"] = "none"
    backbone: bool = False
    years_at_school: float = Field(0, ge=0, le=100)
    age: int | None = Field(None, ge=16, le=80)
    sex: Literal["male", "female"] | None = None
    degree: Literal["doctor", "master", "bachelor", "associate", "secondary", "other"] | None = None
    exempt: str | None = Field(None, description="reason the teacher may not rotate")
    volunteer: bool = False
    pe_art: bool = Field(False, description="PE / art / music teacher (balance indicator)")


class _Op(_Model):
    """What every layout operation may carry: the school year it takes effect."""

    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR,
                             description="school year from which the operation takes effect "
                             "in a horizon plan (`allocator plan`); none: from the first year. "
                             "A single-year solve applies every operation")


class CloseOp(_Op):
    """Close a school; its pupils of today go elsewhere and count as moved."""

    op: Literal["close"]
    school: str


class MergeOp(_Op):
    """Merge schools into one: rooms, beds, teachers and stock move to `into`."""

    op: Literal["merge"]
    schools: list[str] = Field(min_length=1, alias="from")
    into: str


class OpenOp(_Op):
    """Open a new school (a full school record)."""

    op: Literal["open"]
    school: School


class ExpandOp(_Op):
    """Add classrooms (in all or per level) and beds to a school, or set a new size cap."""

    op: Literal["expand"]
    school: str
    classrooms: int = Field(0, ge=0, le=MAX_ROOMS, description="classrooms added")
    classrooms_by_level: LevelClassrooms | None = Field(
        None, description="classrooms added per level (schools counting them per level)")
    boarding_beds: int = Field(0, ge=0, le=MAX_BEDS, description="beds added")
    max_students: int | None = Field(None, ge=0, le=MAX_SCHOOL_SIZE)


class ConvertOp(_Op):
    """Change a school's kind (and grades); kind `closed` closes it."""

    op: Literal["convert"]
    school: str
    kind: Kind | Literal["closed"]
    grades: list[Annotated[int, Field(ge=1, le=9)]] | None = None


class AddBedsOp(_Op):
    """Add boarding beds to a school."""

    op: Literal["add_beds"]
    school: str
    beds: int = Field(ge=0, le=MAX_BEDS)


class ChooseOp(_Op):
    """Let the solver pick which candidates stay open: exactly `keep`, or close at most
    `close_at_most`. `fixed_cost` (yuan/year per open school) defaults to each school's
    `annual_fixed_cost`, then to the policy's funding.fixed_cost_per_school_yuan."""

    op: Literal["choose"]
    candidates: list[str] = Field(min_length=1)
    keep: int | None = Field(None, ge=0, le=MAX_SCHOOL_SIZE)
    close_at_most: int | None = Field(None, ge=0, le=MAX_SCHOOL_SIZE)
    fixed_cost: float | None = Field(None, ge=0, le=MAX_AMOUNT)

    @model_validator(mode="after")
    def _one_rule(self) -> ChooseOp:
        if (self.keep is None) == (self.close_at_most is None):
            raise ValueError("give exactly one of keep or close_at_most")
        return self


LayoutOp = Annotated[
    CloseOp | MergeOp | OpenOp | ExpandOp | ConvertOp | AddBedsOp | ChooseOp,
    Field(discriminator="op"),
]


class PolicySpec(_Model):
    """The policy profile a scenario picks and its overrides (dotted or nested paths), and
    dated overrides by school year (a horizon plan applies them in year order, each value
    holding until a later year changes it)."""

    profile: str = "cn-national"
    overrides: dict[str, Any] = Field(default_factory=dict)
    by_year: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description='overrides from a school year on: {"2026": '
        '{"class_size_cap.primary": 45}}; used by `allocator plan`')

    @field_validator("by_year", mode="before")
    @classmethod
    def _year_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key in value:
                if not (str(key).isdigit() and MIN_YEAR <= int(key) <= MAX_YEAR):
                    raise ValueError(f"key '{key}' is not a school year ({MIN_YEAR}-{MAX_YEAR})")
            return {str(k): v for k, v in value.items()}
        return value


class Weights(_Model):
    """Objective weights, in pupil-km equivalents."""

    travel: float = Field(1.0, ge=0, le=1e6, description="per pupil-km")
    stability: float = Field(1.0, ge=0, le=1e6,
                             description="per pupil moved from today's school (km)")
    balance: float = Field(0.0, ge=0, le=1e6)
    fixed_cost: float = Field(0.0, ge=0, le=1e3, description="pupil-km per yuan of fixed cost")


class Lock(_Model):
    """A block's level locked to a school (the planner's decision)."""

    block: str
    level: Level
    school: str


class DistanceOptions(_Model):
    """How distances are measured: straight lines, a road network, or a given matrix."""

    metric: Literal["straight", "network"] = "straight"
    roads: str | None = Field(None, description="road layer path (network metric)")
    matrix: str | None = Field(None, description="precomputed block x school distances (CSV)")
    speed_attribute: str | None = None
    unit: Literal["km", "minutes"] = "km"


class Options(_Model):
    """How to solve: time limit, workers, gap, candidates, weights, locks, strict mode,
    contiguity, distances and the projection year to use."""

    time_limit_s: float = Field(60.0, gt=0, le=MAX_SECONDS)
    workers: int = Field(8, ge=1, le=1024)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    strict: bool = False
    relative_gap: float = Field(0.001, ge=0, le=1,
                                description="stop once this close to the bound")
    candidates_k: int = Field(8, ge=1, le=10_000,
                              description="nearest admissible schools per block-level")
    weights: Weights = Field(default_factory=Weights)
    locked: list[Lock] = Field(default_factory=list)
    contiguity: bool = False
    distance: DistanceOptions = Field(default_factory=DistanceOptions)
    year: str | None = Field(None, description="use students_by_year[year]")
    invest: bool = Field(False, description="the solver may add classrooms and beds at the "
                         "policy's unit costs (policy.investment) instead of paying "
                         "penalties; elastic mode only")

    @model_validator(mode="after")
    def _invest_elastic(self) -> Options:
        if self.invest and self.strict:
            raise ValueError("invest prices new classrooms and beds against the elastic "
                             "penalties: set strict to false, or invest to false")
        return self
    township_boarding: dict[str, Annotated[int, Field(ge=0, le=10)]] | None = Field(
        None, description="boarding schools a township keeps at least (rule "
        "township_boarding_schools), overriding the policy's number per township")
    enrol_within_group: bool = Field(False, description="pupils attend a school of their "
                                     "block's group (学区); rule group_intake")
    continuity: Literal["enrolled", "whole"] = Field(
        "enrolled", description="horizon plans: `enrolled` keeps pupils already enrolled at "
        "their school unless it closes; `whole` lets the plan reassign each cohort once")


class Scenario(_Model):
    """A county to plan: its schools, residential blocks (children by grade), teachers,
    layout operations, policy and options. The contract with users: `allocator schema`
    prints its JSON Schema; every error names the record and the field."""

    name: str = "scenario"
    year: int | None = None
    crs: str = "EPSG:4326"
    policy: PolicySpec = Field(default_factory=PolicySpec)
    schools: list[School] = Field(min_length=1)
    blocks: list[Block] = Field(min_length=1)
    teachers: list[Teacher] = Field(default_factory=list)
    layout: list[LayoutOp] = Field(default_factory=list)
    options: Options = Field(default_factory=Options)
    targets: list[Target] = Field(default_factory=list, description="dated targets on KPIs, "
                                  "judged per year by `allocator plan`")
    boundary: dict[str, Any] | None = Field(None, description="county boundary, GeoJSON")
    births: list[Birth] = Field(default_factory=list, description="births per township "
                                "and year (出生人口), for `allocator project`")
    developments: list[Development] = Field(default_factory=list, description="new housing "
                                            "(新建住宅) and its year of occupancy")
    projection: ProjectionSettings | None = Field(None, description="projection settings "
                                                  "(预测参数) overriding the policy's")

    @field_validator("crs")
    @classmethod
    def _crs_known(cls, value: str) -> str:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_user_input(value)
        except CRSError:
            raise ValueError(
                f"'{value}' is not a coordinate reference system pyproj knows") from None
        return value
