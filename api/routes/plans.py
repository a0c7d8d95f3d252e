"""Outputs of a finished plan job (`POST /v1/jobs?kind=plan`): timeline.json, the offline
timeline page in the language asked for, and one year's result.json.

Every one is read from the job's stored plan document (`api.plans`); 404 for an unknown job
(or another token's) and for a year the plan does not have, 409 when the job is not a plan
or has no result.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from allocator import Result, timeline_html

from ..deps import Owner, StoreDep
from ..errors import ApiError
from ..jobs import JobStore
from ..plans import PLAN, is_plan_document
from . import problems
from .jobs import JobId, find_job, stored_text
from .workbooks import Lang, pick_lang

router = APIRouter(prefix="/jobs", tags=["plans"])

Year = Annotated[int, Path(description="a school year of the plan", ge=1900, le=2200)]


def load_plan(store: JobStore, job_id: str, owner: str) -> dict[str, Any]:
    """The stored plan document of the caller's finished plan job; 404 unknown, 409 not a
    plan or not done (says why)."""
    job = find_job(store, job_id, owner)
    if job.kind != PLAN:
        raise ApiError(409, "job_not_plan", f"job '{job_id}' is a single solve, not a plan; "
                       f"its result is /v1/jobs/{job_id}/result")
    doc = json.loads(stored_text(store, job))
    if not is_plan_document(doc):
        raise ApiError(409, "job_no_result", f"job '{job_id}' has no stored plan")
    return doc


@router.get("/{job_id}/timeline", summary="timeline.json of a finished plan job",
            description="The plan's name, continuity, years, one row of KPIs per year, the "
                        "targets judged per year and the totals (as `allocator plan` writes "
                        "timeline.json).",
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}}},
                             "description": "timeline.json"}, **problems(401, 404, 409)})
def get_plan_timeline(job_id: JobId, store: StoreDep, owner: Owner) -> JSONResponse:
    return JSONResponse(load_plan(store, job_id, owner)["timeline"])


@router.get("/{job_id}/timeline.html", summary="The offline timeline page of a plan job",
            description="One self-contained HTML page (no network needed): the year x KPI "
                        "table, the targets per year and the charts, in the language of "
                        "`lang` or Accept-Language.",
            response_class=Response, responses={
                200: {"content": {"text/html": {"schema": {"type": "string"}}},
                      "description": "timeline.html"}, **problems(401, 404, 409)})
def get_plan_timeline_html(job_id: JobId, store: StoreDep, owner: Owner,
                           request: Request, lang: Lang = None) -> Response:
    timeline = load_plan(store, job_id, owner)["timeline"]
    lang = pick_lang(lang, request)
    page = timeline_html(timeline["scenario"], timeline["rows"], timeline["targets"], lang)
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"Content-Language": lang})


@router.get("/{job_id}/years/{year}/result", response_model=Result,
            summary="result.json of one year of a finished plan job",
            responses=problems(401, 404, 409))
def get_plan_year_result(job_id: JobId, year: Year, store: StoreDep,
                         owner: Owner) -> JSONResponse:
    results = load_plan(store, job_id, owner)["results"]
    if str(year) not in results:
        raise ApiError(404, "not_found", f"plan job '{job_id}' has no year {year} (it has "
                       f"{', '.join(results)})")
    return JSONResponse(results[str(year)])
