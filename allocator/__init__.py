"""School-district allocation optimizer (义务教育学区资源配置): the public Python API.

    import allocator
    sc = allocator.load_scenario("scenarios/rural-county.json")
    result = allocator.solve(sc, time_limit=30)
    print(result.summary())
    allocator.write_result(result, "out/rural")

Everything a program needs is here (`__all__`); the command line and the HTTP service use
nothing else. The packages behind it: `model` (scenario, policy, result), `rules`, `metrics`,
`layout`, `students`, `teachers`, `solve` (the one way through), `verify`, `report`,
`edits` (hand edits of a plan), `study` (comparisons), `sweep`, `io`, `projection`
(enrolment over a horizon), `cli` (see ARCHITECTURE.md).
"""

from __future__ import annotations

from pathlib import Path

from allocator.model.loading import load_scenario, parse_scenario, scenario_json_schema

from .edits import (
    BlockOptions,
    Edit,
    EditBase,
    EditedPlan,
    apply_edits,
    block_options,
    edited_schools,
    prepare_edits,
    scenario_with_locks,
)
from .horizon import (
    Plan,
    PlanComparison,
    PlanVerifyReport,
    PlanWriter,
    compare_plans,
    horizon_totals,
    is_plan_folder,
    plan_horizon,
    plan_writer,
    read_plan,
    verify_plan,
    write_plan,
    write_plan_comparison,
)
from .horizon.checks import check_plan, plan_years
from .horizon.page import timeline_html
from .horizon.timeline import targets_table as plan_targets
from .horizon.timeline import timeline_json
from .i18n import LANGUAGES, catalog, normalize_lang, resolve_lang, translate
from .io.generate import generate_county as generate_scenario
from .io.importer import import_scenario
from .io.result_folder import (
    assignments_frame,
    load_result,
    read_result_folder,
    rotation_frame,
    schools_frame,
    staffing_frame,
    write_result,
)
from .io.scenario_file import write_scenario
from .io.template import write_template
from .io.template_read import import_template, read_template
from .model.budget import Budget, Progress, ProgressEvent
from .model.findings import Finding, ScenarioError
from .model.policy import PROFILES, Policy, PolicyError, resolve_policy
from .model.projection import ProjectionRow, ProjectionTable
from .model.result import Result, parse_result, result_json_schema, result_to_json
from .model.scenario import Scenario
from .pipeline import PreparedScenario, Stage, default_stage, prepare, solve, validate
from .projection import Projection, project_scenario, write_projection
from .report.charts import fmt as format_value
from .report.compare import Comparison, Run, changed_pupils, comparison_json
from .report.compare_html import render_html as comparison_html
from .report.excel import comparison_workbook, export_workbook
from .report.maps import build_layers as map_layers
from .report.maps import map_labels, write_map
from .report.markdown import markdown as comparison_markdown
from .report.write import write_comparison
from .rules.catalog import RULES, describe_policy, rule_title
from .study import compare
from .sweep import BackendError, SpecError, SweepReport, load_sweep, run_sweep
from .verification import VerifyReport
from .verification import verify_result as verify

__version__ = "0.2.0"


def scenario_schema() -> dict:
    """The JSON Schema of a scenario file (what `allocator schema` prints)."""
    return scenario_json_schema()


def result_schema() -> dict:
    """The JSON Schema of result.json (what `allocator schema --result` prints)."""
    return result_json_schema()


def policy_profiles() -> list[str]:
    """The names of the policy profiles a scenario may pick."""
    return list(PROFILES)


def catalog_texts(prefixes: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Every catalog key starting with one of `prefixes`, with its text in every language of
    `LANGUAGES` (e.g. for a page that switches language without asking the server again)."""
    return {key: dict(texts) for key, texts in catalog().items() if key.startswith(prefixes)}


def scenario_text(path: str | Path) -> str:
    """The text of a scenario file as `load_scenario` reads it (UTF-8, BOM allowed), e.g. to
    keep a copy beside its result (`write_result(..., scenario_text=...)`)."""
    return Path(path).read_text(encoding="utf-8-sig")


__all__ = [
    # scenarios
    "Scenario", "load_scenario", "parse_scenario", "scenario_schema", "scenario_text",
    "import_scenario", "generate_scenario", "write_scenario", "validate",
    # enrolment projection
    "project_scenario", "Projection", "ProjectionTable", "ProjectionRow", "write_projection",
    "Finding", "ScenarioError",
    # the planner's Excel workbook and the bureau's Excel report
    "write_template", "read_template", "import_template", "export_workbook",
    "comparison_workbook",
    # policy
    "Policy", "PolicyError", "resolve_policy", "describe_policy", "policy_profiles", "RULES",
    # solving
    "solve", "prepare", "PreparedScenario", "Stage", "default_stage", "Budget", "Progress",
    "ProgressEvent",
    # results
    "Result", "result_schema", "result_to_json", "parse_result", "write_result",
    "load_result", "read_result_folder", "assignments_frame", "schools_frame",
    "rotation_frame", "staffing_frame", "verify", "VerifyReport",
    # hand edits of a finished plan (live KPIs, block options, re-solve with locks)
    "Edit", "EditBase", "EditedPlan", "BlockOptions", "prepare_edits", "apply_edits",
    "edited_schools", "block_options", "scenario_with_locks",
    # comparisons, maps, sweeps
    "compare", "Comparison", "Run", "write_comparison", "comparison_markdown",
    "comparison_html", "comparison_json", "changed_pupils", "write_map", "map_layers",
    "run_sweep", "load_sweep", "SweepReport", "SpecError", "BackendError", "format_value",
    # multi-year horizon plans
    "plan_horizon", "Plan", "write_plan", "read_plan", "is_plan_folder", "verify_plan",
    "PlanVerifyReport", "compare_plans", "PlanComparison", "write_plan_comparison",
    "horizon_totals", "plan_years", "check_plan", "plan_targets", "timeline_json",
    "timeline_html", "plan_writer", "PlanWriter",
    # languages (zh-CN, en)
    "LANGUAGES", "resolve_lang", "normalize_lang", "translate", "rule_title", "map_labels",
    "catalog_texts",
    "__version__",
]
