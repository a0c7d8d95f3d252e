"""Asynchronous jobs: submit, watch, fetch outputs, cancel.

A job is visible only to the token that created it (another token gets 404, as for an
unknown id). Outputs of a finished job are built from its stored result.json by
`load_result` and, for the catchments and the map, the stored scenario.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from allocator import (
    Result,
    Scenario,
    ScenarioError,
    assignments_frame,
    map_labels,
    map_layers,
    parse_result,
    parse_scenario,
)
from geo.webmap import map_page, to_geojson

from ..deps import DispatcherDep, Owner, SettingsDep, StoreDep, decode_scenario, read_body
from ..errors import ApiError, problem_of, request_lang
from ..jobs import Job, JobStore
from ..plans import PLAN, YEARS_PATTERN, check_plan_years
from ..schemas import JobKind, JobLinks, JobList, JobState, JobStatus, scenario_request_body
from . import problems
from .scenarios import Strict, TimeLimit

router = APIRouter(prefix="/jobs", tags=["jobs"])

JobId = Annotated[str, Path(description="the id POST /v1/jobs answered", max_length=64)]
KindQuery = Annotated[JobKind, Query(
    description="solve: one solve of the scenario; plan: a multi-year horizon plan "
                "(`allocator plan`), the time limit applying to each year")]
YearsQuery = Annotated[str | None, Query(
    pattern=YEARS_PATTERN, description="a plan's school years, e.g. 2026-2031 (default: "
    "the years of the blocks' students_by_year)")]
StageQuery = Annotated[Literal["students", "teachers", "all"] | None, Query(
    description="students: the pupils' plan; teachers: the rotation for today's enrolment; "
                "all: both (default: the scenario's, all when it has a roster)")]


def _time(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


def status_of(job: Job, store: JobStore) -> JobStatus:
    """The API view of a stored job (progress estimated from the time limit)."""
    if job.final:
        progress = 1.0
    elif job.status == "running" and job.started_at is not None:
        progress = min(0.99, max(0.0, (time.time() - job.started_at) / job.time_limit))
    else:
        progress = 0.0
    span = job.year_span()
    return JobStatus(
        id=job.id, name=job.name, status=job.status, stage=job.stage, message=job.message,
        progress=round(progress, 3), objective=job.objective, bound=job.bound, gap=job.gap,
        result_status=job.result_status, time_limit_s=job.time_limit, strict=job.strict,
        attempts=job.attempts,
        queue_position=store.queue_position(job) if job.status == "queued" else None,
        created_at=_time(job.created_at), started_at=_time(job.started_at),
        finished_at=_time(job.finished_at),
        error=problem_of(job.error) if job.error else None, kind=job.kind,
        years=list(range(span[0], span[1] + 1)) if span else None, links=links_of(job))


def links_of(job: Job) -> JobLinks:
    """Where a job's outputs are (a plan job's timeline too)."""
    base = f"/v1/jobs/{job.id}"
    plan = job.kind == PLAN
    return JobLinks(self=base, result=f"{base}/result",
                    assignments_csv=f"{base}/assignments.csv",
                    catchments_geojson=f"{base}/catchments.geojson", map=f"{base}/map",
                    timeline=f"{base}/timeline" if plan else None,
                    timeline_html=f"{base}/timeline.html" if plan else None,
                    years=f"{base}/years/{{year}}/result" if plan else None)


def find_job(store: JobStore, job_id: str, owner: str) -> Job:
    """The caller's job, or 404."""
    job = store.get(job_id, owner)
    if job is None:
        raise ApiError(404, "not_found", key="api.no_job", fields={"job": job_id})
    return job


def load_result_text(store: JobStore, job_id: str, owner: str) -> str:
    """result.json of the caller's finished job; 404 unknown, 409 not done (says why) or a
    plan job (whose years have one result each)."""
    job = find_job(store, job_id, owner)
    if job.kind == PLAN:
        raise ApiError(409, "job_is_plan", f"job '{job_id}' is a plan of several years: see "
                       f"/v1/jobs/{job_id}/timeline and /v1/jobs/{job_id}/years/{{year}}/result")
    return stored_text(store, job)


def stored_text(store: JobStore, job: Job) -> str:
    """The stored result text of a finished job; 409 when not done (says why)."""
    job_id = job.id
    if job.status != "done":
        why = {"queued": "is queued", "running": "is still running",
               "cancelled": "was cancelled",
               "failed": f"failed: {job.error.get('message') if job.error else 'no reason'}"}
        raise ApiError(409, f"job_{job.status}", f"job '{job_id}' {why[job.status]}; it has "
                       "no result")
    text = store.result_text(job_id)
    if text is None:
        raise ApiError(409, "job_no_result", f"job '{job_id}' has no stored result")
    return text


def load_result(store: JobStore, job_id: str, owner: str) -> Result:
    """The Result of the caller's finished job (errors as `load_result_text`)."""
    return parse_result(load_result_text(store, job_id, owner))


def load_layers(store: JobStore, job_id: str, owner: str) -> tuple[dict, str]:
    """The map layers (`allocator.map_layers`) of the caller's finished job and its
    scenario name; 409 when the result has no plan to map."""
    result = load_result(store, job_id, owner)
    scenario = parse_scenario(json.loads(store.scenario_text(job_id) or "{}"))
    try:
        return map_layers(result, scenario), scenario.name
    except ScenarioError as exc:
        raise ApiError(409, "job_no_plan", "; ".join(f.message for f in exc.findings)) from None


@router.post(
    "", status_code=202, response_model=JobStatus,
    summary="Submit a scenario to solve in the background",
    description="Checks size, JSON and schema at once (413 / 422), queues the job and "
                "answers 202 with its id and a Location header. Cross-record problems found "
                "when the job runs end it `failed` with the findings in `error`. With "
                "`kind=plan` the job solves the school `years` in order (a horizon plan, "
                "each year within the time limit, the job's `time_limit_s` the total); "
                "years the scenario cannot plan answer 422 with the findings and nothing is "
                "queued. A plan's outputs: `/timeline`, `/timeline.html`, "
                "`/years/{year}/result`.",
    responses=problems(401, 413, 422),
    openapi_extra=scenario_request_body("the scenario to solve"))
async def create_job(request: Request, settings: SettingsDep, store: StoreDep,
                     dispatcher: DispatcherDep, owner: Owner, time_limit: TimeLimit = None,
                     strict: Strict = None, stage: StageQuery = None,
                     kind: KindQuery = "solve", years: YearsQuery = None) -> JSONResponse:
    body = await read_body(request, settings)
    decoded = await run_in_threadpool(decode_scenario, body, settings, sync=False,
                                      time_limit=time_limit)
    limit, span = decoded.time_limit, None
    if kind == PLAN:
        plan_span = await run_in_threadpool(plan_span_or_422, decoded.scenario, years)
        limit, span = decoded.time_limit * len(plan_span), f"{plan_span[0]}-{plan_span[-1]}"
    job = await run_in_threadpool(store.create, owner, decoded.scenario.name, decoded.text,
                                  limit, strict, stage, kind, span)
    if dispatcher is not None:
        dispatcher.wake()
    status = await run_in_threadpool(status_of, job, store)
    return JSONResponse(status.model_dump(mode="json"), status_code=202,
                        headers={"Location": status.links.self})


def plan_span_or_422(sc: Scenario, years: str | None) -> list[int]:
    """The years a plan job of `sc` solves; 422 with the horizon's findings otherwise."""
    try:
        return check_plan_years(sc, years)
    except ScenarioError as exc:
        raise ApiError(422, "invalid_plan", f"the plan cannot be solved "
                       f"({len(exc.findings)} problem(s))", findings=exc.findings) from None


@router.get("", response_model=JobList, summary="List your jobs, newest first",
            responses=problems(401))
def list_jobs(store: StoreDep, owner: Owner,
              status: Annotated[JobState | None, Query(description="only this state")] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> JobList:
    return JobList(jobs=[status_of(j, store) for j in store.list(owner, limit, status)])


@router.get("/{job_id}", response_model=JobStatus,
            summary="A job's state, stage, incumbent objective, bound, gap and progress",
            responses=problems(401, 404))
def get_job(job_id: JobId, store: StoreDep, owner: Owner) -> JobStatus:
    return status_of(find_job(store, job_id, owner), store)


@router.get("/{job_id}/result", response_model=Result,
            summary="result.json of a finished job", responses=problems(401, 404, 409))
def get_job_result(job_id: JobId, store: StoreDep, owner: Owner) -> Response:
    return Response(load_result_text(store, job_id, owner), media_type="application/json")


@router.get("/{job_id}/assignments.csv", summary="assignments.csv of a finished job",
            response_class=Response, responses={
                200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                      "description": "block, level, grades, school, pupils, boarders, "
                                     "distance_km, moved"},
                **problems(401, 404, 409)})
def get_job_assignments_csv(job_id: JobId, store: StoreDep, owner: Owner) -> Response:
    text = assignments_frame(load_result(store, job_id, owner)).to_csv(index=False)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{job_id}-assignments.csv"'})


@router.get("/{job_id}/catchments.geojson", summary="Catchment polygons of a finished job",
            description="One feature per school and level (WGS84): school, level, grades, "
                        "blocks, pupils, boarders, area_km2 and parts (connected pieces).",
            response_class=Response, responses={
                200: {"content": {"application/geo+json": {"schema": {"type": "object"}}},
                      "description": "a GeoJSON FeatureCollection"},
                **problems(401, 404, 409)})
def get_job_catchments(job_id: JobId, store: StoreDep, owner: Owner) -> Response:
    layers, _ = load_layers(store, job_id, owner)
    text = json.dumps(to_geojson(layers["catchments"]), ensure_ascii=False)
    return Response(text, media_type="application/geo+json", headers={
        "Content-Disposition": f'attachment; filename="{job_id}-catchments.geojson"'})


@router.get("/{job_id}/map", summary="The offline interactive map of a finished job",
            description="One self-contained HTML page (no network needed): catchments per "
                        "level, schools coloured by utilisation, boarding flows, a legend and "
                        "a popup per school.",
            response_class=Response, responses={
                200: {"content": {"text/html": {"schema": {"type": "string"}}},
                      "description": "the HTML map"},
                **problems(401, 404, 409)})
def get_job_map(job_id: JobId, store: StoreDep, owner: Owner, request: Request) -> Response:
    layers, name = load_layers(store, job_id, owner)
    lang = request_lang(request)  # legend, layer names and popups in the language asked for
    return Response(map_page(layers, name, map_labels(lang)),
                    media_type="text/html; charset=utf-8", headers={"Content-Language": lang})


@router.delete("/{job_id}", response_model=JobStatus, summary="Cancel a job",
               description="Stops a queued or running job (its solver process is killed). "
                           "Cancelling a cancelled job again is harmless; a job that already "
                           "finished answers 409.",
               responses=problems(401, 404, 409))
def cancel_job(job_id: JobId, store: StoreDep, dispatcher: DispatcherDep,
               owner: Owner) -> JobStatus:
    find_job(store, job_id, owner)  # 404 for an unknown id or another token's job
    job, changed = store.cancel(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"no job '{job_id}'")
    if changed and dispatcher is not None:
        dispatcher.wake()
    elif job.status != "cancelled":
        raise ApiError(409, "job_finished", f"job '{job_id}' already ended ({job.status}); "
                       "there is nothing to cancel")
    return status_of(job, store)
