"""What an enrolment projection reads: the scenario's births, new housing and projection
settings, a block's children by age, and the policy's projection defaults.

Units: counts are children or pupils; `births` are live births in a township and calendar
year; `dwellings` are housing units; factors are plain ratios (1.0 = no change) applied per
year. The arithmetic lives in `allocator.projection`; this module only checks what one
record can say about itself (cross-record checks: `allocator.projection.checks`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from .fields import MAX_YEAR, MIN_YEAR, Record

MAX_COUNT = 10_000_000  # births, dwellings, children: far above any county
MAX_FACTOR = 10.0
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR)]
Rate = Annotated[float, Field(ge=0, le=1000)]  # pupils per 100 dwellings
Variant = Literal["low", "medium", "high"]
AGES = 6  # children_by_age covers ages 0..5
GRADE_STEPS = 8  # grade 1->2 ... 8->9


def _six_counts(value: Any) -> Any:
    """children_by_age: exactly six counts, ages 0..5 (a clear message otherwise)."""
    if isinstance(value, (list, tuple)) and len(value) != AGES:
        raise ValueError(f"needs {AGES} counts (ages 0-5 in the base year), got {len(value)}")
    return value


ChildrenByAge = Annotated[
    list[Annotated[int, Field(ge=0, le=MAX_COUNT)]], BeforeValidator(_six_counts),
    Field(description="children aged 0, 1, ..., 5 living in the block in the base year "
          "(6 counts; 分年龄段学龄前儿童数): age 5 enters grade 1 the next year"),
]


class Birth(Record):
    """Live births of one township in one calendar year (出生人口, from the health bureau or
    the household register); they enter grade 1 six years later."""

    township: str = Field(min_length=1, description="township (乡镇) as the blocks name it")
    year: Year = Field(description="calendar year of birth")
    births: int = Field(ge=0, le=MAX_COUNT, description="live births (children)")


class LevelRates(Record):
    """Pupils per 100 dwellings, by level (千户学位配建指标 / 100)."""

    primary: Rate | None = Field(None, description="primary pupils per 100 dwellings")
    junior: Rate | None = Field(None, description="junior pupils per 100 dwellings")


class Development(Record):
    """New housing (新建住宅小区): its dwellings bring pupils from the year of occupancy.
    It names the block it belongs to, or a location (the nearest block takes it)."""

    id: str = Field(min_length=1)
    block: str | None = Field(None, description="block the housing belongs to (所属小区)")
    location: tuple[float, float] | None = Field(
        None, description="[x, y] in the scenario CRS: the nearest block takes the pupils")
    dwellings: int = Field(ge=0, le=MAX_COUNT, description="housing units (户)")
    year: Year = Field(description="year of occupancy (交付入住年份): pupils from this year")
    pupils_per_100: LevelRates | None = Field(
        None, description="pupils per 100 dwellings by level; default: the policy's "
        "projection.pupils_per_100_dwellings")

    @model_validator(mode="after")
    def _placed(self) -> Development:
        if self.block is None and self.location is None:
            raise ValueError("give the block the housing belongs to, or its location")
        return self


class ProjectionSettings(Record):
    """The scenario's overrides of the policy's projection numbers (预测参数)."""

    base_year: Year | None = Field(
        None, description="the year today's pupil counts and children_by_age describe "
        "(default: the scenario's year)")
    survival: dict[str, Factor] = Field(
        default_factory=dict, description="pupils kept per grade step (升级留存/迁移系数) by "
        "township name, or 'urban' / 'rural'; replaces the policy's factor for every step")
    migrant: dict[str, Factor] = Field(
        default_factory=dict, description="随迁子女 factor by township: scales each year's "
        "cohorts and intake there (1.0 = no net inflow of migrant children)")
    trend: Factor | None = Field(
        None, description="yearly change of grade 1 intake where neither children by age nor "
        "births are known (0.97 = 3% fewer each year); default: the policy's trend")


class UrbanRuralSteps(Record):
    """A factor per grade step (1->2, ..., 8->9; the step 6->7 crosses to junior)."""

    urban: list[Factor] = Field(min_length=GRADE_STEPS, max_length=GRADE_STEPS)
    rural: list[Factor] = Field(min_length=GRADE_STEPS, max_length=GRADE_STEPS)


class VariantFactors(Record):
    """How a variant (高中低方案) scales births after the base year and the yearly
    migration factor."""

    births: Factor
    migration: Factor


# the cn-national profile's `projection` section; every number an [assumption] (no cited
# text gives a national one): urban schools keep their cohorts, rural ones lose 1% a year to
# town schools and 3% at the move to junior; 12 primary / 6 junior pupils per 100 new
# dwellings (local 配建 standards give 10-20 / 5-10); grade 1 steady without births; the
# variants as planners present them: births +-10%, migration +-2% a year
PROJECTION_DEFAULTS: dict[str, Any] = {
    "survival": {"urban": [1.0] * GRADE_STEPS, "rural": [0.99] * 5 + [0.97] + [0.99] * 2},
    "pupils_per_100_dwellings": {"primary": 12.0, "junior": 6.0},
    "trend": 1.0,
    "variants": {"low": {"births": 0.9, "migration": 0.98},
                 "medium": {"births": 1.0, "migration": 1.0},
                 "high": {"births": 1.1, "migration": 1.02}},
}


def _default_survival() -> UrbanRuralSteps:
    return UrbanRuralSteps.model_validate(PROJECTION_DEFAULTS["survival"])


def _default_variants() -> dict[str, VariantFactors]:
    return {k: VariantFactors.model_validate(v)
            for k, v in PROJECTION_DEFAULTS["variants"].items()}


class ProjectionPolicy(Record):
    """Policy defaults of rule `projection` (all overridable, all [assumption]: no cited
    text gives a national number)."""

    survival: UrbanRuralSteps = Field(default_factory=_default_survival)
    pupils_per_100_dwellings: LevelRates = Field(
        default_factory=lambda: LevelRates.model_validate(
            PROJECTION_DEFAULTS["pupils_per_100_dwellings"]),
        description="pupils per 100 new dwellings by level (local 配建 standards give "
        "10-20 primary and 5-10 junior places per 100 households)")
    trend: Factor = Field(1.0, description="yearly change of grade 1 intake without births "
                          "or children by age")
    variants: dict[Variant, VariantFactors] = Field(default_factory=_default_variants)

    @model_validator(mode="after")
    def _all_variants(self) -> ProjectionPolicy:
        missing = [v for v in ("low", "medium", "high") if v not in self.variants]
        if missing:
            raise ValueError(f"variants needs low, medium and high (missing: "
                             f"{', '.join(missing)})")
        return self


class ProjectionRow(Record):
    """Projected pupils of one township (or the county: township '*') in one year."""

    year: int
    township: str
    primary: int = Field(ge=0, description="pupils in grades 1-6")
    junior: int = Field(ge=0, description="pupils in grades 7-9")
    grade_1: int = Field(ge=0, description="grade 1 intake")
    total: int = Field(ge=0)


class ProjectionTable(Record):
    """The projection table: pupils by level, township and year, with the settings used."""

    base_year: int
    years: list[int]
    variant: Variant
    rows: list[ProjectionRow] = Field(default_factory=list)

    def county(self) -> list[ProjectionRow]:
        """The county rows (township '*'), one per year in order."""
        return [r for r in self.rows if r.township == "*"]
