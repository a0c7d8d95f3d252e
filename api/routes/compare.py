"""POST /v1/compare: finished jobs side by side, as `allocator compare` puts result folders.

The runs are the caller's own finished jobs (another token's job is unknown, 404); the first
is the base. Nothing is solved here: submit the layout variants as jobs first, then compare.
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from allocator import (
    Run,
    compare,
    comparison_html,
    comparison_json,
    comparison_markdown,
    parse_scenario,
)

from ..deps import Owner, StoreDep
from ..errors import request_lang
from . import problems
from .jobs import load_result

router = APIRouter(tags=["compare"])


class CompareRequest(BaseModel):
    jobs: list[str] = Field(min_length=2, max_length=20,
                            description="ids of your finished jobs; the first is the base")
    format: Literal["json", "html", "markdown"] = Field(
        "json", description="json: tables as records; html: the self-contained page of "
                            "`allocator compare`; markdown: its compare.md")


@router.post("/compare", summary="Compare finished jobs side by side",
             description="KPIs of every job, the pupils whose school changes against the "
                         "first job (per block and per school pair) and every school before "
                         "and after; as JSON, the offline HTML page or Markdown.",
             response_class=Response, responses={
                 200: {"content": {"application/json": {"schema": {"type": "object"}},
                                   "text/html": {"schema": {"type": "string"}},
                                   "text/markdown": {"schema": {"type": "string"}}},
                       "description": "the comparison in the format asked for"},
                 **problems(401, 404, 409, 422)})
def compare_jobs(body: CompareRequest, store: StoreDep, owner: Owner,
                 request: Request) -> Response:
    runs = []
    for job_id in body.jobs:
        result = load_result(store, job_id, owner)  # 404 / 409 name the job
        scenario = parse_scenario(json.loads(store.scenario_text(job_id) or "{}"))
        runs.append(Run(label=scenario.name, source=f"job {job_id}", scenario=scenario,
                        result=result))
    cmp = compare(runs)  # nothing is solved: every run has its result
    lang = request_lang(request)  # the page and Markdown in the language asked for
    headers = {"Content-Language": lang}
    if body.format == "html":
        return Response(comparison_html(cmp, lang=lang), media_type="text/html; charset=utf-8",
                        headers=headers)
    if body.format == "markdown":
        return Response(comparison_markdown(cmp, lang=lang), headers=headers,
                        media_type="text/markdown; charset=utf-8")
    return Response(json.dumps(comparison_json(cmp), ensure_ascii=False),
                    media_type="application/json")
