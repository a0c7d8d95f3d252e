"""Request and response models of the HTTP API, and the OpenAPI pieces for scenario bodies.

Scenario bodies are read by hand (size limit first, then `allocator.parse_scenario`)
so that a bad scenario gets the same findings as `allocator validate`; the OpenAPI document
still describes them with the scenario's JSON Schema and an example (`scenario_request_body`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from allocator import Finding, Scenario

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
JobKind = Literal["solve", "plan"]


def json_path(path: str | None) -> str | None:
    """A dotted pydantic location ("blocks.3.students.2") as a JSONPath ("$.blocks[3]...")."""
    if not path:
        return None
    out = "$"
    for part in path.split("."):
        out += f"[{part}]" if part.isdigit() else f".{part}"
    return out


class FindingOut(BaseModel):
    """One problem of a scenario, as `allocator validate` reports it, plus its JSONPath."""

    severity: Literal["error", "warning"]
    code: str = Field(description="rule or check that found it (schema, json, unknown_id ...)")
    message: str
    record: str | None = Field(None, description="the record, e.g. \"block 'B7'\"")
    field: str | None = Field(None, description="the field within the record")
    path: str | None = Field(None, description="dotted location in the scenario document")
    json_path: str | None = Field(None, description="the same location as a JSONPath")

    @classmethod
    def of(cls, finding: Finding | dict[str, Any]) -> FindingOut:
        data = finding.model_dump() if isinstance(finding, Finding) else dict(finding)
        data["json_path"] = json_path(data.get("path"))
        return cls.model_validate(data)


class LimitInfo(BaseModel):
    """Which server limit a request went over."""

    name: str = Field(description="the limit, e.g. max_blocks")
    setting: str = Field(description="environment variable that sets it")
    allowed: float
    given: float


class Problem(BaseModel):
    """Every error answer: a code, a message for people, and where relevant the limit or
    the findings (JSON path, record id and message of each problem)."""

    code: str = Field(description="machine-readable reason, e.g. invalid_scenario, "
                      "limit_exceeded, not_found, unauthorized")
    message: str
    limit: LimitInfo | None = None
    findings: list[FindingOut] = Field(default_factory=list)

    model_config = {"json_schema_extra": {"examples": [{
        "code": "invalid_scenario",
        "message": "the scenario cannot be used (1 problem(s))",
        "findings": [{"severity": "error", "code": "schema", "record": "block 'b2'",
                      "field": "students (grade 2)", "path": "blocks.1.students.1",
                      "json_path": "$.blocks[1].students[1]",
                      "message": "Input should be greater than or equal to 0"}]}]}}


class ValidationReport(BaseModel):
    """The findings of a scenario without solving (errors stop a solve, warnings travel)."""

    valid: bool = Field(description="true when no finding is an error")
    errors: int
    warnings: int
    findings: list[FindingOut]


class JobLinks(BaseModel):
    self: str
    result: str
    assignments_csv: str
    catchments_geojson: str
    map: str
    timeline: str | None = Field(None, description="a plan job's timeline.json")
    timeline_html: str | None = Field(None, description="a plan job's timeline page")
    years: str | None = Field(None, description="a plan job's result of one year (template)")


class JobStatus(BaseModel):
    """A job: its state, the solver's stage and the incumbent objective, bound and gap."""

    id: str
    name: str = Field(description="the scenario's name")
    status: JobState
    stage: str | None = Field(None, description="queued, starting, checks, arcs, bound, hint, "
                              "search, explain, done, failed, cancelled")
    message: str | None = None
    progress: float = Field(ge=0, le=1, description="share of the time limit used; 1 when "
                            "final (the solve may stop earlier, at the target gap)")
    objective: float | None = Field(None, description="incumbent objective")
    bound: float | None = Field(None, description="best lower bound")
    gap: float | None = Field(None, description="relative gap of incumbent and bound")
    result_status: str | None = Field(None, description="status in result.json once done: "
                                      "optimal, feasible, infeasible, unknown")
    time_limit_s: float
    strict: bool | None = Field(None, description="strict override; null: the scenario's")
    attempts: int = Field(description="runs started (a server stop re-queues a running job)")
    queue_position: int | None = Field(None, description="queued jobs ahead of this one")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: Problem | None = Field(None, description="why a failed job failed")
    kind: JobKind = Field("solve", description="solve: one result; plan: a horizon plan")
    years: list[int] | None = Field(None, description="a plan job's school years")
    links: JobLinks


class JobList(BaseModel):
    jobs: list[JobStatus]


class PolicyRule(BaseModel):
    rule: str
    title: str
    value: str
    source: str


class PolicyProfile(BaseModel):
    name: str
    rules: list[PolicyRule]
    values: dict[str, Any] = Field(description="every number of the resolved profile")


class PolicyList(BaseModel):
    profiles: list[PolicyProfile]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    workers: int = Field(description="job solves that may run at once")
    jobs: dict[str, int] = Field(description="jobs per state")


EXAMPLE_SCENARIO: dict[str, Any] = {
    "name": "two-villages",
    "crs": "EPSG:32649",
    "schools": [
        {"id": "A", "kind": "primary", "location": [0, 0], "classrooms": 12},
        {"id": "B", "kind": "primary", "location": [2000, 0], "classrooms": 12,
         "boarding_beds": 10},
    ],
    "blocks": [
        {"id": "b1", "location": [100, 0], "students": [20, 0, 0, 0, 20, 0, 0, 0, 0]},
        {"id": "b2", "location": [1900, 0], "students": [0, 30, 0, 0, 0, 10, 0, 0, 0]},
    ],
    "options": {"time_limit_s": 5, "workers": 1},
}


def scenario_components() -> dict[str, Any]:
    """OpenAPI component schemas of a scenario: "Scenario" and the models it uses."""
    schema = Scenario.model_json_schema(by_alias=True,
                                        ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    schema["title"] = "Scenario"
    return {**defs, "Scenario": schema}


def scenario_request_body(description: str, any_json: bool = False) -> dict[str, Any]:
    """An OpenAPI requestBody: a scenario document (the `allocator schema` format), or with
    `any_json` any JSON document (validation reports what is wrong with it)."""
    schema = {} if any_json else {"$ref": "#/components/schemas/Scenario"}
    return {"requestBody": {
        "required": True,
        "description": description,
        "content": {"application/json": {
            "schema": schema,
            "examples": {"two-villages": {"summary": "two primaries, two villages",
                                          "value": EXAMPLE_SCENARIO}},
        }},
    }}
