"""Policy profiles: every rule's name, its numbers, its source, and scenario overrides.

A `Policy` is a fully resolved set of numbers. The profile `cn-national` holds the national
defaults of DESIGN.md; a scenario picks a profile and overrides any number by its path,
nested (``{"class_size_cap": {"primary": 40}}``) or dotted (``{"class_size_cap.primary": 40}``).
The rules themselves (names, titles, sources) are listed in `allocator.rules.catalog`.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .investment import InvestmentCosts
from .projection import PROJECTION_DEFAULTS, ProjectionPolicy


class _Strict(BaseModel):
    # finite numbers only; the upper bounds keep every product of counts and prices within
    # the solver's 64-bit integers
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class PerLevelInt(_Strict):
    primary: int = Field(ge=1, le=10_000)
    junior: int = Field(ge=1, le=10_000)


class PerLevelFloat(_Strict):
    primary: float = Field(gt=0, le=1e9)
    junior: float = Field(gt=0, le=1e9)


class PerKindInt(_Strict):
    primary: int = Field(ge=1, le=10_000_000)
    junior: int = Field(ge=1, le=10_000_000)
    nine_year: int = Field(ge=1, le=10_000_000)
    teaching_point: int = Field(ge=1, le=10_000_000)


class Radius(_Strict):
    rural: float = Field(gt=0, le=20_000, description="km, rural blocks")
    urban: float = Field(gt=0, le=20_000, description="km, urban blocks")


class DayRadius(_Strict):
    primary: Radius
    junior: Radius


class ClassBands(_Strict):
    large: int = Field(56, ge=1, description="大班额: classes of this size or more")
    very_large: int = Field(66, ge=1, description="超大班额: classes of this size or more")


class SmallSchoolStaffing(_Strict):
    max_pupils: int = Field(100, ge=0, description="schools below this many pupils are small")
    teachers_per_class: PerLevelFloat = Field(
        default_factory=lambda: PerLevelFloat(primary=1.7, junior=2.5)
    )
    rural_only: bool = True


SUBJECTS_PRIMARY = ["chinese", "math", "english", "science", "morality", "pe", "music", "art",
                    "it", "labour", "psychology", "practice"]
SUBJECTS_JUNIOR = ["chinese", "math", "english", "physics", "chemistry", "biology", "history",
                   "geography", "politics", "morality", "pe", "music", "art", "it", "labour",
                   "psychology", "practice"]


class Staffing(_Strict):
    pupils_per_teacher: PerLevelFloat
    small_school: SmallSchoolStaffing = Field(default_factory=SmallSchoolStaffing)
    subject_teachers_per_class: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="optional per level: subject -> teachers per class (e.g. PE 0.15)",
    )
    subjects: dict[str, list[str]] = Field(
        default_factory=lambda: {"primary": list(SUBJECTS_PRIMARY),
                                 "junior": list(SUBJECTS_JUNIOR)},
        description="subjects taught per level; a teacher's subject must be one of them",
    )
    senior_min_primary: int = Field(1, ge=0, description="senior-title teachers per primary")
    senior_share_junior: float = Field(0.05, ge=0, le=1, description="senior share per junior")

    @model_validator(mode="after")
    def _known_subjects(self) -> Staffing:
        for level in {**self.subjects, **self.subject_teachers_per_class}:
            if level not in ("primary", "junior"):
                raise ValueError(f"level '{level}' is not primary or junior")
        for level, table in self.subject_teachers_per_class.items():
            taught = set(self.subjects.get(level, []))
            for subject, per_class in table.items():
                if subject not in taught:
                    raise ValueError(f"subject_teachers_per_class.{level}: '{subject}' is not "
                                     f"in subjects.{level}")
                if per_class < 0:
                    raise ValueError(f"subject_teachers_per_class.{level}.{subject}: "
                                     "must be >= 0")
        return self


class RotationPenalties(_Strict):
    """Elastic rotation: cost of one teacher short on each rule (tier 1 of the objective;
    every tier-1 shortfall outranks any balance or distance gain)."""

    staffing_ratio: int = Field(4, ge=1, description="per teacher below a staffing demand")
    senior_title: int = Field(2, ge=1, description="per senior-title teacher missing")
    rotation_quota: int = Field(1, ge=1, description="per rotating teacher below the quota")
    rotation_backbone_share: int = Field(1, ge=1, description="per backbone teacher missing")


class RotationWeights(_Strict):
    """Rotation objective below the rule shortfalls, in km-equivalents."""

    balance: float = Field(1.0, ge=0, description="per unit of pupil-weighted squared "
                           "deviation of backbone / senior teachers per 100 pupils")
    distance: float = Field(1.0, ge=0, description="per km a rotating teacher commutes "
                            "(straight line between the schools)")
    involuntary: float = Field(20.0, ge=0, description="per non-volunteer who rotates")


class Rotation(_Strict):
    quota: float = Field(0.10, ge=0, le=1, description="share of eligible teachers rotating")
    quota_per_school: bool = False
    backbone_share: float = Field(0.20, ge=0, le=1)
    backbone_basis: str = Field("rotating", pattern="^(rotating|eligible_backbone)$")
    min_years_at_school: int = Field(6, ge=0)
    retirement_age: dict[str, int] = Field(default_factory=lambda: {"male": 60, "female": 55})
    exempt_years_before_retirement: int = Field(5, ge=0)
    exempt_reasons: list[str] = Field(
        default_factory=lambda: ["pregnancy", "illness", "rotated_this_term", "other"]
    )
    direction: str = Field(
        "urban_to_rural_or_strong_to_weak",
        pattern="^(urban_to_rural_or_strong_to_weak|urban_to_rural|strong_to_weak|within_group|any)$",
    )
    max_sending_share: float = Field(0.15, ge=0, le=1)
    one_for_one: bool = False
    max_distance_km: float | None = Field(None, gt=0)
    penalties: RotationPenalties = Field(default_factory=RotationPenalties)
    weights: RotationWeights = Field(default_factory=RotationWeights)


class LevelStandard(_Strict):
    primary: float = Field(ge=0)
    junior: float = Field(ge=0)


DEGREES = ("other", "secondary", "associate", "bachelor", "master", "doctor")  # low -> high


class BalanceStandard(_Strict):
    """The seven resource indicators of the national evaluation, per level (a school meets
    an indicator at or above its number). Teachers and multimedia rooms per 100 pupils, areas
    in m2 and equipment in yuan per pupil."""

    higher_degree_teachers: LevelStandard = Field(
        default_factory=lambda: LevelStandard(primary=4.2, junior=5.3),
        description="teachers above the required degree per 100 pupils")
    backbone_teachers: LevelStandard = Field(
        default_factory=lambda: LevelStandard(primary=1.0, junior=1.0),
        description="county-level or higher backbone teachers per 100 pupils")
    pe_art_teachers: LevelStandard = Field(
        default_factory=lambda: LevelStandard(primary=0.9, junior=0.9),
        description="PE and art (music, fine art) teachers per 100 pupils")
    teaching_area_m2: LevelStandard = Field(
        default_factory=lambda: LevelStandard(primary=4.5, junior=5.8),
        description="teaching and auxiliary floor area per pupil")
    sports_area_m2: LevelStandard = Field(
        default_factory=lambda: LevelStandard(primary=7.5, junior=10.2),
        description="sports ground and hall area per pupil")
    equipment_value: LevelStandard = Field(
        default_factory=lambda: LevelStandard(primary=2000.0, junior=2500.0),
        description="teaching instruments and equipment, yuan per pupil")
    multimedia_rooms: LevelStandard = Field(
        default_factory=lambda: LevelStandard(primary=2.3, junior=2.4),
        description="networked multimedia classrooms per 100 pupils")
    min_met: int = Field(6, ge=0, le=7, description="indicators each school must meet")
    rest_floor: float = Field(0.85, ge=0, le=1, description="the others at least this share "
                              "of the standard")
    higher_degree_min: dict[str, str] = Field(
        default_factory=lambda: {"primary": "associate", "junior": "bachelor"},
        description="lowest degree counted as above the required one (primary requires "
                    "secondary normal school, junior an associate degree)")


class Balance(_Strict):
    cv_max: PerLevelFloat
    standard: BalanceStandard = Field(default_factory=BalanceStandard)


class Funding(_Strict):
    """Rule `funding`: public funds per pupil (公用经费基准定额), the small-school floor and
    the boarding subsidy, per year."""

    per_pupil_yuan: PerLevelFloat
    small_school_floor: int = Field(100, ge=0, le=1_000_000,
                                    description="schools below are funded as this many")
    small_school_floor_rural_only: bool = Field(
        True, description="the floor holds for rural small schools only (农村小规模学校), as "
                          "the texts say; false: for every small school")
    boarding_subsidy_yuan: float = Field(200.0, ge=0, le=1e6, description="per boarder and "
                                         "year, every level (national 200; 台前县 300)")
    boarding_subsidy_by_level: PerLevelFloat | None = Field(
        None, description="per boarder and year by level, replacing the single value")
    fixed_cost_per_school_yuan: float = Field(0.0, ge=0, le=1e12)


class TownshipBoarding(_Strict):
    """Rule township_boarding_schools: each township keeps at least `min_schools` open
    boarding schools (a school with at least `min_beds` beds)."""

    min_schools: int = Field(1, ge=0, le=2, description="boarding schools per township "
                             "(the texts: 1-2)")
    min_beds: int = Field(1, ge=1, description="beds that make a school a boarding school")


class Penalties(_Strict):
    """Elastic-mode cost of one unit of each broken rule, in pupil-km."""

    class_size_cap: float = Field(100.0, ge=0, le=1e6,
                                  description="per pupil above cap x classes")
    classrooms: float = Field(1000.0, ge=0, le=1e6,
                              description="per class beyond the classrooms")
    school_size_cap: float = Field(100.0, ge=0, le=1e6,
                                   description="per pupil above the size cap")
    boarding_beds: float = Field(100.0, ge=0, le=1e6, description="per boarder without a bed")
    group_intake: float = Field(20.0, ge=0, le=1e6, description="per pupil attending a school "
                                "outside the block's group (options.enrol_within_group)")
    young_beyond_day_radius: float = Field(
        50.0, ge=0, le=1e6, description="per pupil below the boarding grade and km beyond the "
        "day radius (they attend as day pupils)")


class Policy(_Strict):
    """A resolved policy: every number a rule needs."""

    profile: str
    class_size_cap: PerLevelInt
    large_class_band: ClassBands = Field(default_factory=ClassBands)
    school_size_cap: PerKindInt
    day_radius_km: DayRadius
    min_boarding_grade: int = Field(4, ge=1, le=10)
    staffing: Staffing
    rotation: Rotation = Field(default_factory=Rotation)
    balance: Balance
    funding: Funding
    penalties: Penalties = Field(default_factory=Penalties)
    investment: InvestmentCosts = Field(default_factory=InvestmentCosts)
    township_boarding: TownshipBoarding = Field(default_factory=TownshipBoarding)
    projection: ProjectionPolicy = Field(default_factory=ProjectionPolicy)


PROFILES: dict[str, dict[str, Any]] = {
    "cn-national": {
        "profile": "cn-national",
        "class_size_cap": {"primary": 45, "junior": 50},
        "large_class_band": {"large": 56, "very_large": 66},
        "school_size_cap": {"primary": 2000, "junior": 2000, "nine_year": 2500,
                            "teaching_point": 2000},
        "day_radius_km": {"primary": {"rural": 3.0, "urban": 1.0},
                          "junior": {"rural": 5.0, "urban": 2.0}},
        "min_boarding_grade": 4,
        "staffing": {"pupils_per_teacher": {"primary": 19.0, "junior": 13.5}},
        "balance": {"cv_max": {"primary": 0.50, "junior": 0.45},
                    # 教督〔2017〕6号: the seven resource indicators, primary / junior
                    "standard": {"higher_degree_teachers": {"primary": 4.2, "junior": 5.3},
                                 "backbone_teachers": {"primary": 1.0, "junior": 1.0},
                                 "pe_art_teachers": {"primary": 0.9, "junior": 0.9},
                                 "teaching_area_m2": {"primary": 4.5, "junior": 5.8},
                                 "sports_area_m2": {"primary": 7.5, "junior": 10.2},
                                 "equipment_value": {"primary": 2000.0, "junior": 2500.0},
                                 "multimedia_rooms": {"primary": 2.3, "junior": 2.4},
                                 "min_met": 6, "rest_floor": 0.85}},
        "funding": {"per_pupil_yuan": {"primary": 650.0, "junior": 850.0},
                    "small_school_floor": 100,
                    "small_school_floor_rural_only": True, "boarding_subsidy_yuan": 200.0},
        "projection": PROJECTION_DEFAULTS,  # every number an assumption (rule projection)
    },
    # rotation presets in the style of provincial rules: "base" names the profile they refine
    "cn-rotation-group": {  # 学区 / 集团内交流: rotation stays within the school group
        "base": "cn-national",
        "rotation": {"direction": "within_group", "quota_per_school": True},
    },
    "cn-rotation-9y": {  # longer tenure before rotating; men >= 50 and women >= 45 exempt
        "base": "cn-national",
        "rotation": {"min_years_at_school": 9, "exempt_years_before_retirement": 10},
    },
    "cn-rotation-intensive": {  # 15% per sending school; 20% of the eligible backbone
        "base": "cn-national",
        "rotation": {"quota": 0.15, "quota_per_school": True,
                     "backbone_basis": "eligible_backbone", "max_sending_share": 0.2},
    },
}


class PolicyError(ValueError):
    """An unknown profile or a bad override; the message names the path."""


def expand_dotted(overrides: dict[str, Any]) -> dict[str, Any]:
    """Turn {"a.b": 1, "c": {"d": 2}} into nested {"a": {"b": 1}, "c": {"d": 2}}."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        if isinstance(value, dict):
            value = expand_dotted(value)
        parts = str(key).split(".")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise PolicyError(f"policy override '{key}' clashes with a value at '{p}'")
        last = parts[-1]
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            node[last] = _merge(node[last], value)
        else:
            node[last] = value
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def profile_values(profile: str) -> dict[str, Any]:
    """The numbers of a profile, a preset's "base" profile merged under its own values."""
    data = copy.deepcopy(PROFILES[profile])
    base = data.pop("base", None)
    return _merge(profile_values(base), data) if base else data


def resolve_policy(profile: str = "cn-national", overrides: dict[str, Any] | None = None) -> Policy:
    """Return the profile's numbers with the overrides applied.

    Raises PolicyError naming the override path for an unknown profile, an unknown key or a
    value of the wrong type or range.
    """
    if profile not in PROFILES:
        raise PolicyError(
            f"unknown policy profile '{profile}' (known: {', '.join(sorted(PROFILES))})"
        )
    data = _merge(profile_values(profile), expand_dotted(overrides or {}))
    data["profile"] = profile
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for e in exc.errors():
            path = ".".join(str(p) for p in e["loc"])
            msg = "unknown policy setting" if e["type"] == "extra_forbidden" else e["msg"]
            msgs.append(f"policy.overrides '{path}': {msg}")
        raise PolicyError("; ".join(msgs)) from None


def overrides_for_year(overrides: dict[str, Any], by_year: dict[str, dict[str, Any]],
                       year: int) -> dict[str, Any]:
    """The overrides in force in school year `year`: `overrides`, then every dated entry of
    `by_year` up to `year` applied in year order (a value holds until a later year changes
    it). Nested result; raises PolicyError like `expand_dotted`."""
    merged = expand_dotted(overrides)
    for key in sorted(by_year, key=int):
        if int(key) <= year:
            merged = _merge(merged, expand_dotted(by_year[key]))
    return merged
