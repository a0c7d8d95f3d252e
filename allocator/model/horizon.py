"""The `horizon` section of a result solved as one year of a multi-year plan
(`allocator plan`): the year, the cohorts (block, level, entry year) and where each one
attends, the pupils moved since the year before and the dated targets judged that year."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Contract

CohortStatus = Literal["new", "kept", "moved", "reassigned"]


class Cohort(Contract):
    """One entry cohort of a block and level in one year: its grade, pupils and school.
    `unit` is the block id of the year's scenario (scenario.json beside the result) whose
    assignment row carries it."""

    block: str
    level: Literal["primary", "junior"]
    entry_year: int = Field(description="school year the cohort entered grade 1 (primary) "
                            "or grade 7 (junior)")
    grade: int
    pupils: int
    school: str
    previous_school: str | None = Field(None, description="its school the year before "
                                        "(null: new this year)")
    status: CohortStatus = Field(description="new: placed for the first time; kept: same "
                                 "school; moved: its school closed or stopped teaching the "
                                 "grade; reassigned: moved by the plan (continuity whole)")
    unit: str


class TargetOutcome(Contract):
    """A dated target judged in one year: the KPI's value, met or missed, by how much."""

    id: str
    kpi: str
    op: Literal["<=", ">="]
    value: float
    actual: float | None = Field(description="the KPI in this year's result (null: absent)")
    met: bool
    amount: float = Field(description="how far the KPI misses the target (0 when met)")


class HorizonSection(Contract):
    """This year's place in the plan and its continuity figures."""

    year: int
    first_year: int
    last_year: int
    continuity: Literal["enrolled", "whole"]
    cohorts_kept: int = Field(description="pupils kept at last year's school")
    pupils_new: int = Field(description="pupils placed for the first time (intakes)")
    pupils_moved: int = Field(description="pupils whose school changed since last year")
    pupils_reassigned: int = Field(description="of them, moved by the plan's choice "
                                   "(continuity whole) rather than by a closure")
    targets: list[TargetOutcome] = Field(default_factory=list)
    cohorts: list[Cohort] = Field(default_factory=list)
