"""Multi-year horizon plans (`allocator plan`): the years solved in order through the
pipeline with continuity (the unit of assignment is (block, level, entry cohort)), phased
layout operations, dated policy values and targets, the plan folder with its timeline, the
plan's verification and the comparison of plan folders."""

from .compare import PlanComparison, compare_plans, write_plan_comparison
from .folder import (
    PlanFolder,
    PlanWriter,
    is_plan_folder,
    plan_files,
    plan_writer,
    read_plan,
    write_plan,
)
from .run import Plan, PlanYear, plan_horizon
from .timeline import horizon_totals
from .verify import PlanVerifyReport, verify_plan

__all__ = ["Plan", "PlanComparison", "PlanFolder", "PlanVerifyReport", "PlanWriter",
           "PlanYear", "compare_plans", "horizon_totals", "is_plan_folder", "plan_files",
           "plan_horizon", "plan_writer", "read_plan", "verify_plan", "write_plan",
           "write_plan_comparison"]
