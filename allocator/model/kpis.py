"""The `kpis` section of result.json: the figures of a student plan a planner reads first.

Computed from result rows alone by `allocator.metrics` (so `verify` recomputes them); the
`balance` summary is added once the balance report exists. Distances in km, money in yuan
per year.
"""

from __future__ import annotations

from pydantic import Field

from .base import Contract, Section


class LevelTravel(Contract):
    """Distances of one level's pupils to their schools, weighted by pupils."""

    pupils: int
    mean_km: float
    p95_km: float
    max_km: float
    pupil_km: float = Field(description="sum over pupils of their distance")


class Travel(Contract):
    primary: LevelTravel
    junior: LevelTravel


class PerLevelCount(Contract):
    primary: int
    junior: int


class Boarding(Contract):
    boarders: int
    beds: int
    beds_short: int = Field(description="boarders without a bed, summed over schools")
    schools_short: int = Field(description="schools with more boarders than beds")


class LevelClasses(Contract):
    bands: dict[str, int] = Field(description="classes per size band: within the cap, "
                                  "cap to 55, 56-65 大班额, 66+ 超大班额")
    largest_class: int


class Classes(Contract):
    primary: LevelClasses
    junior: LevelClasses


class Utilisation(Contract):
    mean: float = Field(description="classes / classrooms, mean over schools with rooms")
    max: float
    schools_over_rooms: int


class Funding(Contract):
    """Annual cost of the plan under the policy's funding model (rule `funding`)."""

    per_pupil_total_yuan: float = Field(description="per-pupil public funding summed over "
                                        "all pupils (the rates are policy funding."
                                        "per_pupil_yuan)")
    small_school_topup_yuan: float
    boarding_subsidy_yuan: float
    fixed_cost_yuan: float
    capital_yuan: float = Field(description="classrooms and beds the layout adds (open, "
                                "expand, add_beds) at the policy's unit costs, per year")
    investment_yuan: float = Field(description="the plan's investments, per year")
    total_yuan: float
    funded_pupils: int
    schools_funded_at_floor: int


class Indicators(Contract):
    """Indicators phrased like the targets; each has a stable id in
    `allocator.metrics.indicators.KPI_IDS` that dated targets can name."""

    schools_without_large_classes_share: float = Field(
        description="share of schools with pupils where no class exceeds 55 (大班额 free)")
    schools_within_class_cap_share: float = Field(
        description="share of schools with pupils where no class exceeds the class size cap")
    nearest_school_pupils: int | None = Field(
        None, description="pupils attending the nearest open school serving their grades "
                          "(就近入学); null when not computed")
    nearest_school_share: float | None = Field(None, description="their share of all pupils")


class LevelBalanceSummary(Contract):
    """One level of the balance report in brief: the CV of each indicator and the schools
    meeting the standard."""

    schools: int
    min_met: int
    cv: dict[str, float | None]
    cv_max: float
    cv_ok: bool | None
    schools_meeting_min_met: int
    schools_meeting_standard: int
    schools_failing: int
    schools_undetermined: int


class YoungBeyondRadius(Contract):
    """Pupils below the boarding grade attending beyond the day radius as day pupils (rule
    `young_beyond_day_radius`): how many, from how many blocks, and how far beyond."""

    pupils: int
    blocks: int
    pupil_km_beyond: float = Field(description="sum of pupils x km beyond the radius")
    max_km_beyond: float


class LeftBehind(Contract):
    """Left-behind children (留守儿童) and boarding: beds go to them first at each school."""

    pupils: int
    boarders: int
    with_bed: int
    without_bed: int
    schools_short: int = Field(description="schools where left-behind boarders lack beds")


class TownshipBoarding(Contract):
    """Rule township_boarding_schools: open boarding schools per township."""

    townships: int
    townships_short: int
    by_township: dict[str, int] = Field(description="open boarding schools per township")


class Kpis(Section):
    """Every KPI of a student plan (the keys `allocator compare` flattens into kpis.csv)."""

    pupils: int
    travel: Travel
    beyond_day_radius: PerLevelCount = Field(description="pupils of the boarding grades "
                                             "beyond the day radius of their school (they "
                                             "board)")
    young_beyond_day_radius: YoungBeyondRadius | None = Field(
        None, description="young pupils beyond the day radius (absent before it is made)")
    left_behind: LeftBehind | None = Field(
        None, description="left-behind boarders with and without a bed (absent before it "
        "is made)")
    township_boarding: TownshipBoarding | None = Field(
        None, description="boarding schools per township (absent before it is made)")
    boarding: Boarding
    classes: Classes
    schools_over_size_cap: int
    utilisation: Utilisation
    moved_pupils: int = Field(description="pupils whose school differs from today's")
    small_schools: int = Field(description="schools with pupils but fewer than the funding "
                               "floor")
    empty_schools: int
    open_schools: int
    funding: Funding
    indicators: Indicators | None = None
    balance: dict[str, LevelBalanceSummary] | None = Field(
        None, description="per level, from the balance report (absent before it is made)")
