"""The `teachers` section of result.json: a teacher rotation (交流轮岗) and the staffing it
leaves. Objective figures are km-equivalents; tier 1 (`shortfall`) counts weighted teachers
short on the elastic rules."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .base import Contract, Section

Level = Literal["primary", "junior"]


class Move(Contract):
    """One teacher rotating from one school to another."""

    teacher: str
    from_school: str = Field(alias="from")
    to: str
    subject: str
    backbone: bool
    title: str | None = None
    distance_km: float | None = None
    reason: str | None = None
    level: Level | None = None
    volunteer: bool | None = None


class Shortfall(Contract):
    weighted: int = Field(description="weighted teacher shortfall on the elastic rules")
    lower_bound: int


class RotationObjectiveTerms(Contract):
    balance: float
    moves: float
    km: float
    involuntary_moves: int
    total: float


class SchoolQuota(Contract):
    school: str
    eligible: int
    required: int
    rotating: int


class Quota(Section):
    """Rules `rotation_quota` and `rotation_backbone_share`: who may rotate, how many must,
    how many do; per sending school when the quota applies per school."""

    eligible: int
    not_eligible: dict[str, int] = Field(description="teachers who may not rotate, by reason")
    required: int
    rotating: int
    attainment: float | None
    backbone_basis: str
    backbone_required: int
    backbone_rotating: int
    backbone_share: float | None
    volunteers_rotating: int
    per_school: list[SchoolQuota] | None = None


class SubjectStaffing(Contract):
    demand: int
    before: int
    after: int


class StaffingRow(Section):
    """One school and level: demand (rule `staffing_ratio`), teachers before and after."""

    school: str
    level: Level
    pupils: int
    classes: int
    demand: int
    demand_rule: Literal["per_class", "ratio"]
    teachers_before: int
    teachers_after: int
    backbone_before: int
    backbone_after: int
    senior_before: int
    senior_after: int
    teachers_per_100_before: float
    teachers_per_100_after: float
    backbone_per_100_before: float
    backbone_per_100_after: float
    senior_per_100_before: float
    senior_per_100_after: float
    subjects: dict[str, SubjectStaffing] | None = None


class BeforeAfter(Contract):
    before: float | None
    after: float | None


class LevelRotationBalance(Contract):
    """Enrolment-weighted CVs across schools of teachers per 100 pupils."""

    cv_max: float
    schools: int
    teachers_per_100: BeforeAfter
    backbone_per_100: BeforeAfter
    senior_per_100: BeforeAfter


class LpRounds(Section):
    bound: float
    rounds: int
    arcs_added: int
    candidates: int | None = None


class CpAttempts(Contract):
    status: str
    attempts: int


class RotationStats(Section):
    """How the rotation was searched; only the steps that ran are listed."""

    model_config = ConfigDict(extra="allow")

    groups: int | None = Field(None, description="groups of interchangeable teachers")
    admissible_arcs: int | None = None
    greedy_moves: int | None = None
    greedy_tier1: int | None = None
    phase1_lp: LpRounds | None = None
    phase1_rounded: int | None = None
    phase1_support: int | None = None
    phase1_cp: int | None = None
    phase2_lp: LpRounds | None = None
    phase2_rounded: float | None = None
    phase2_support: float | None = None
    phase2_cp: CpAttempts | None = None
    candidates: int | None = None
    moves: int | None = None
    tier1: int | None = None
    tier1_bound: int | None = None


class TeachersSection(Contract):
    """A solved rotation: status, objective and bound, quota, moves, staffing per school and
    level, the CVs before and after, and how it was searched."""

    status: str
    strict: bool
    message: str | None
    plan: str = Field(description="whose enrolment was staffed: student_plan or today")
    objective: float
    lower_bound: float
    gap: float
    shortfall: Shortfall
    objective_terms: RotationObjectiveTerms
    quota: Quota
    moves: list[Move]
    schools: list[StaffingRow]
    balance: dict[str, LevelRotationBalance]
    strength: str | None = Field(description="where school strength came from")
    solver: RotationStats
    timings: dict[str, float]
