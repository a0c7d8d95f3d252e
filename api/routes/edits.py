"""Hand edits of a finished job: a block's options, edits with live figures, undo, and a
re-solve that keeps the edits as locked assignments.

The edits of a job are stored with it (`JobStore.save_edits`) and, like the job, visible
only to the token that created it. Figures are recomputed by `allocator.apply_edits` (no
solve); the instance each job needs is built once and kept for the few jobs edited last.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from allocator import (
    BlockOptions,
    Edit,
    EditBase,
    EditedPlan,
    Result,
    ScenarioError,
    apply_edits,
    block_options,
    edited_schools,
    parse_scenario,
    prepare_edits,
    scenario_with_locks,
)

from ..deps import DispatcherDep, Owner, SettingsDep, StoreDep, effective_time_limit
from ..errors import ApiError
from ..jobs import JobStore
from ..schemas import JobStatus
from . import problems
from .jobs import JobId, find_job, load_result, status_of

router = APIRouter(prefix="/jobs", tags=["edits"])

_CACHE: OrderedDict[str, EditBase] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


class EditsRequest(BaseModel):
    """The whole current list of hand edits, applied in order."""

    edits: list[Edit] = Field(default_factory=list, max_length=100_000)


class ResolveRequest(BaseModel):
    """A re-solve of the edited plan."""

    time_limit: float | None = Field(None, gt=0, description="seconds (default: the job's)")


class EditState(EditedPlan):
    """A job's hand edits and the plan's figures after them: `kpis`, `violations` and
    `schools` in the shapes of result.json, `kpis_base` the job's own KPIs, `changed` the
    block levels now at another school, `elapsed_s` the seconds the recomputation took."""

    job: str


def edit_base(store: JobStore, job_id: str, owner: str) -> EditBase:
    """The edit base of the caller's finished job (built once, kept for recent jobs);
    404 unknown, 409 not done or without a student plan."""
    job = find_job(store, job_id, owner)
    with _LOCK:
        base = _CACHE.get(job_id) if job.status == "done" else None
        if base is not None:
            _CACHE.move_to_end(job_id)
            return base
    result: Result = load_result(store, job_id, owner)  # 409 unless done
    scenario = parse_scenario(json.loads(store.scenario_text(job_id) or "{}"))
    try:
        base = prepare_edits(scenario, result)
    except ScenarioError as exc:
        raise ApiError(409, "job_no_plan", key="edits.no_plan", fields={
            "job": job_id, "reason": "; ".join(f.message for f in exc.findings)}) from None
    with _LOCK:
        _CACHE[job_id] = base
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return base


def stored_edits(store: JobStore, job_id: str) -> list[Edit]:
    """The job's stored edits ([] when none)."""
    text = store.edits_text(job_id)
    return [Edit.model_validate(e) for e in json.loads(text)] if text else []


def edit_state(base: EditBase, job_id: str, edits: list[Edit]) -> EditState:
    """The figures after `edits`; 422 with a finding per edit at fault."""
    try:
        plan = apply_edits(base.scenario, base.result, edits, base)
    except ScenarioError as exc:
        raise ApiError(422, "invalid_edits", key="edits.invalid",
                       fields={"n": len(exc.findings)}, findings=exc.findings) from None
    return EditState(job=job_id, **{k: getattr(plan, k) for k in EditedPlan.model_fields})


def save_state(store: JobStore, base: EditBase, job_id: str, edits: list[Edit]) -> EditState:
    """Apply `edits`, and keep them with the job when they all apply."""
    state = edit_state(base, job_id, edits)
    store.save_edits(job_id, json.dumps([e.model_dump(mode="json") for e in edits],
                                        ensure_ascii=False))
    return state


@router.get("/{job_id}/blocks/{block}/options", response_model=BlockOptions,
            summary="The schools a block's level could attend, nearest first",
            description="Every open school serving a grade of the level: distance, the "
                        "level's pupils there after the current edits, its capacity for the "
                        "level (rooms x class cap, at most the size cap), and whether the "
                        "block may move there (reason: the rule the move breaks).",
            responses=problems(401, 404, 409))
def get_block_options(job_id: JobId, block: str, store: StoreDep, owner: Owner,
                      level: Annotated[Literal["primary", "junior"], Query()]
                      ) -> BlockOptions:
    base = edit_base(store, job_id, owner)
    try:
        school = edited_schools(base, stored_edits(store, job_id))
        return block_options(base, school, block, level)
    except ScenarioError:
        raise ApiError(404, "not_found", key="edits.no_block",
                       fields={"block": block, "level": level, "job": job_id}) from None


@router.get("/{job_id}/edits", response_model=EditState,
            summary="A job's hand edits and the plan's figures after them",
            responses=problems(401, 404, 409))
def get_edits(job_id: JobId, store: StoreDep, owner: Owner) -> EditState:
    base = edit_base(store, job_id, owner)
    return edit_state(base, job_id, stored_edits(store, job_id))


@router.post("/{job_id}/edits", response_model=EditState,
             summary="Replace a job's hand edits; the figures are recomputed, no solve",
             description="The body is the whole current list. A bad edit (unknown block, "
                         "level or school, or a school the block may not attend) is 422 with "
                         "a finding naming `edits[i].field`; nothing is stored then.",
             responses=problems(400, 401, 404, 409, 422))
def post_edits(job_id: JobId, body: EditsRequest, store: StoreDep, owner: Owner) -> EditState:
    base = edit_base(store, job_id, owner)
    return save_state(store, base, job_id, body.edits)


@router.post("/{job_id}/edits/undo", response_model=EditState,
             summary="Remove a job's last hand edit", responses=problems(401, 404, 409))
def undo_edit(job_id: JobId, store: StoreDep, owner: Owner) -> EditState:
    base = edit_base(store, job_id, owner)
    return save_state(store, base, job_id, stored_edits(store, job_id)[:-1])


@router.post("/{job_id}/resolve", status_code=202, response_model=JobStatus,
             summary="Re-solve a job keeping its hand edits as locked assignments",
             description="Queues a new job (same owner) whose scenario locks every edited "
                         "block's level at its school after the edits (a lock without a "
                         "school keeps the current one).",
             responses=problems(400, 401, 404, 409, 422))
def resolve_job(job_id: JobId, store: StoreDep, owner: Owner, settings: SettingsDep,
                dispatcher: DispatcherDep,
                body: Annotated[ResolveRequest | None, Body()] = None) -> JSONResponse:
    job = find_job(store, job_id, owner)
    base = edit_base(store, job_id, owner)
    edits = stored_edits(store, job_id)
    locked = scenario_with_locks(base, edited_schools(base, edits), edits)
    raw = json.loads(store.scenario_text(job_id) or "{}")
    raw.setdefault("options", {})["locked"] = [lk.model_dump(mode="json")
                                               for lk in locked.options.locked]
    asked = body.time_limit if body is not None and body.time_limit is not None else None
    limit, _ = effective_time_limit(locked, asked if asked is not None else job.time_limit,
                                    settings, sync=False)
    new = store.create(owner, job.name, json.dumps(raw, ensure_ascii=False), limit, job.strict)
    if dispatcher is not None:
        dispatcher.wake()
    status = status_of(new, store)
    return JSONResponse(status.model_dump(mode="json"), status_code=202,
                        headers={"Location": status.links.self})
