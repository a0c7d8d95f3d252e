"""POST /v1/compare: finished jobs side by side, as `allocator compare` puts result folders.

The runs are the caller's own finished jobs (another token's job is unknown, 404); the first
is the base. Nothing is solved here: submit the layout variants as jobs first, then compare.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from allocator.model.scenario import parse_scenario
from allocator.report.compare import (
    Comparison,
    Run,
    changed_pupils,
    compare_runs,
    markdown,
    unique_labels,
)
from allocator.report.compare_html import render_html

from ..deps import Owner, StoreDep
from . import problems
from .jobs import load_result

router = APIRouter(tags=["compare"])


class CompareRequest(BaseModel):
    jobs: list[str] = Field(min_length=2, max_length=20,
                            description="ids of your finished jobs; the first is the base")
    format: Literal["json", "html", "markdown"] = Field(
        "json", description="json: tables as records; html: the self-contained page of "
                            "`allocator compare`; markdown: its compare.md")


def _records(frame) -> list[dict[str, Any]]:
    """Rows of a frame as JSON-safe dicts (missing values as null)."""
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def comparison_json(cmp: Comparison) -> dict[str, Any]:
    """The comparison as one JSON document: runs, KPIs, pupils changing school, pairs,
    blocks and schools (the tables `allocator compare` writes as CSV)."""
    return {"base": cmp.runs[0].label,
            "runs": [{"label": r.label, "source": r.source, "status": r.result.status}
                     for r in cmp.runs],
            "kpis": _records(cmp.kpis), "changed_pupils": changed_pupils(cmp),
            "pairs": _records(cmp.pairs), "blocks": _records(cmp.blocks),
            "schools": _records(cmp.schools), "notes": cmp.notes}


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
def compare_jobs(body: CompareRequest, store: StoreDep, owner: Owner) -> Response:
    runs = []
    for job_id in body.jobs:
        result = load_result(store, job_id, owner)  # 404 / 409 name the job
        scenario = parse_scenario(json.loads(store.scenario_text(job_id) or "{}"))
        runs.append(Run(label=scenario.name, source=f"job {job_id}", scenario=scenario,
                        result=result))
    for run, label in zip(runs, unique_labels([r.label for r in runs]), strict=True):
        run.label = label
    cmp = compare_runs(runs)
    if body.format == "html":
        return Response(render_html(cmp), media_type="text/html; charset=utf-8")
    if body.format == "markdown":
        return Response(markdown(cmp), media_type="text/markdown; charset=utf-8")
    return Response(json.dumps(comparison_json(cmp), ensure_ascii=False),
                    media_type="application/json")
