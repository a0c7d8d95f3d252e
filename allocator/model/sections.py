"""Sections of result.json that come from the layout, the balance report and the solver:
`layout`, `balance` and `solver`."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .base import Contract, Section


# -- layout ------------------------------------------------------------------------------------
class OperationEffect(Contract):
    """What one layout operation did."""

    index: int = Field(description="position in the scenario's layout[]")
    op: str
    schools: list[str]
    effect: str


class ChooseDecision(Section):
    """A `choose` operation: its rule, fixed costs and, once solved, the candidates kept
    and closed."""

    index: int
    rule: str
    candidates: list[str]
    keep: int | None
    close_at_most: int | None
    fixed_cost_yuan: dict[str, float]
    kept: list[str] | None = None
    closed: list[str] | None = None


class LayoutSection(Contract):
    """The layout operations applied: each one's effect, the schools closed, merged (school
    -> the school it merged into) and opened, and the `choose` outcomes."""

    operations: list[OperationEffect]
    closed: list[str]
    merged: dict[str, str]
    opened: list[str]
    choose: list[ChooseDecision]


# -- balance report ----------------------------------------------------------------------------
class IndicatorSummary(Contract):
    """One indicator of one level across schools (rule `balance_cv`)."""

    label: str
    standard: float
    mean: float | None
    cv: float | None = Field(description="enrolment-weighted coefficient of variation")
    cv_max: float
    cv_ok: bool | None
    schools_meeting: int
    schools_with_data: int
    schools_missing: int


class LevelBalance(Contract):
    schools: int
    indicators: dict[str, IndicatorSummary]
    min_met: int
    schools_meeting_min_met: int
    schools_meeting_standard: int
    schools_failing: int
    schools_undetermined: int
    cv_ok: bool | None


class SchoolBalance(Contract):
    """One school's part of a level against the seven indicators (rule `balance_standard`)."""

    school: str
    level: Literal["primary", "junior"]
    pupils: int
    values: dict[str, float | None] = Field(description="None: the data is missing")
    met: dict[str, bool | None]
    indicators_met: int
    indicators_missing: int
    meets_min_indicators: bool | None
    status: Literal["meets", "fails", "undetermined"]


class BalanceReport(Contract):
    """The seven resource indicators of the national evaluation per school and level, and
    their CVs (县域义务教育优质均衡发展督导评估办法)."""

    source: str
    levels: dict[str, LevelBalance]
    schools: list[SchoolBalance]
    notes: list[str]


# -- solver statistics -------------------------------------------------------------------------
class SolverStats(Section):
    """How the student stage searched: model size, the flow bound and what each search step
    did. Only the steps that ran are listed; diagnostics of later search steps may add keys."""

    model_config = ConfigDict(extra="allow")

    units: int | None = Field(None, description="assignment units (block, level or segment)")
    arcs: int | None = Field(None, description="candidate arcs in the model")
    k: int | None = Field(None, description="nearest admissible schools per unit, at first")
    pricing_rounds: int | None = None
    arcs_added: int | None = Field(None, description="arcs added by pricing")
    flow_bound: float | None = Field(None, description="min-cost-flow lower bound, valid for "
                                     "the unpruned problem")
    class_bound: float | None = Field(None, description="bound that sees whole classes, "
                                      "rooms, beds and unsplittable blocks (the county "
                                      "relaxation's cutting planes), valid for the unpruned "
                                      "problem")
    bound_method: str | None = Field(None, description="which bound the lower bound starts "
                                     "from (county relaxation with whole classes, or flow "
                                     "and why)")
    class_bound_steps: int | None = Field(None, description="decomposition by school only: "
                                          "subgradient steps")
    class_bound_models: int | None = Field(None, description="decomposition by school only: "
                                           "school models solved")
    class_bound_inexact: int | None = Field(None, description="decomposition by school only: "
                                            "school models stopped before proving their "
                                            "value (their bound counts)")
    class_bound_s: float | None = Field(None, description="seconds the whole-class bound took")
    class_bound_arcs: int | None = Field(None, description="arcs in the whole-class bound's "
                                         "model (after pricing)")
    class_bound_unfinished: bool | None = Field(None, description="the whole-class bound's "
                                                "solver was still running after its grace "
                                                "period: no whole-class bound is reported")
    unplaced_blocks_by_township: dict[str, int] | None = None
    contiguity_constrained_arcs: int | None = None
    contiguity_forbidden_arcs: int | None = None
    contiguity_exempt_arcs: int | None = None
    explained_by: str | None = None
    cp_status: str | None = None
    build_s: float | None = None
    solutions: int | None = None
    penalty_vars: int | None = None
    lagrange_iterations: int | None = None
    lagrange_s: float | None = None
    lagrange_open_set_better: bool | None = None
    regions_solved: int | None = None
    regions_improved: int | None = None
    open_changes: int | None = None
    region_units: int | None = Field(None, description="size of the last regions (units)")
    regions_s: float | None = None
    needy_units: int | None = None
    candidates: int | None = None
    lagrange_bound: float | None = None
    min_fixed_cost: float | None = None
