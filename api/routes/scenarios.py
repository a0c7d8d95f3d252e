"""POST /v1/scenarios/validate and POST /v1/solve: answers within the request.

Both run the solver code in a child process (`api.worker.run_isolated`), at most
`sync_workers` at once; a request that cannot get a slot within `sync_wait_s` gets 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from allocator import (
    Finding,
    Result,
    ScenarioError,
    parse_result,
    parse_scenario,
    result_to_json,
    translate,
)

from ..deps import SettingsDep, check_sizes, decode_json, decode_scenario, read_body
from ..errors import ApiError, error_response, request_lang
from ..schemas import FindingOut, ValidationReport, scenario_request_body
from ..worker import IsolatedRunError, run_isolated
from . import problems

router = APIRouter(tags=["scenarios"])

VALIDATE_TIMEOUT_S = 300.0

TimeLimit = Annotated[float | None, Query(
    gt=0, description="seconds; overrides options.time_limit_s (capped by the server)")]
Strict = Annotated[bool | None, Query(
    description="make every rule hard (default: the scenario's options.strict)")]


@asynccontextmanager
async def solver_slot(request: Request, wait_s: float) -> AsyncIterator[None]:
    """Hold one of the server's synchronous slots; 503 when none frees within `wait_s`."""
    slots: asyncio.Semaphore = request.app.state.sync_slots
    try:
        await asyncio.wait_for(slots.acquire(), wait_s)
    except TimeoutError:
        raise ApiError(503, "busy", key="api.busy", fields={"seconds": f"{wait_s:g}"},
                       headers={"Retry-After": "5"}) from None
    try:
        yield
    finally:
        slots.release()


def report_of(findings: list) -> ValidationReport:
    out = [FindingOut.of(f) for f in findings]
    errors = sum(f.severity == "error" for f in out)
    return ValidationReport(valid=errors == 0, errors=errors, warnings=len(out) - errors,
                            findings=out)


def _parse_for_validation(body: bytes, settings) -> tuple[object | None, ValidationReport | None]:
    raw, _ = decode_json(body)
    check_sizes(raw, settings, sync=False)
    try:
        return parse_scenario(raw), None
    except ScenarioError as exc:
        return None, report_of(exc.findings)


@router.post(
    "/scenarios/validate", response_model=ValidationReport,
    summary="Check a scenario without solving",
    description="The findings `allocator validate` gives: schema errors (each with the JSON "
                "path, record id and field) and cross-record checks (unknown ids, capacity "
                "shortfalls, ...). Answers 200 with `valid: false` when a finding is an "
                "error; 422 only when the body is not JSON or over a limit.",
    responses=problems(401, 413, 422, 503, 504),
    openapi_extra=scenario_request_body("any JSON document: the findings say what keeps it "
                                        "from being a valid scenario", any_json=True))
async def validate_scenario(request: Request, settings: SettingsDep) -> ValidationReport:
    body = await read_body(request, settings)
    scenario, report = await run_in_threadpool(_parse_for_validation, body, settings)
    if report is not None:
        return report
    async with solver_slot(request, settings.sync_wait_s):
        kind, answer = await _isolated("validate", (scenario,), VALIDATE_TIMEOUT_S, request)
    if kind == "error":
        return _error_answer(answer)
    return report_of(answer)


@router.post(
    "/solve", response_model=Result,
    summary="Solve a small scenario and wait for the result",
    description="Solves within the request and answers result.json. For small scenarios "
                "(at most `max_sync_blocks` blocks) and short time limits (at most "
                "`max_sync_time_limit_s`: a scenario asking for more is solved with that "
                "and the result's `warnings` say so); larger ones go through POST /v1/jobs. "
                "Messages in the language of `Accept-Language` (zh-CN or en). A strict "
                "solve whose rules cannot all hold answers 200 with status `infeasible` and "
                "a message naming the rules and schools.",
    responses=problems(401, 413, 422, 500, 503, 504),
    openapi_extra=scenario_request_body("the scenario to solve"))
async def solve_scenario(request: Request, settings: SettingsDep, time_limit: TimeLimit = None,
                         strict: Strict = None) -> Response:
    body = await read_body(request, settings)
    decoded = await run_in_threadpool(decode_scenario, body, settings, sync=True,
                                      time_limit=time_limit)
    async with solver_slot(request, settings.sync_wait_s):
        kind, answer = await _isolated("solve", (decoded.scenario, decoded.time_limit, strict),
                                       2 * decoded.time_limit + 60, request)
    if kind == "error":
        return _error_answer(answer)
    lang = request_lang(request)
    if decoded.clamped is not None:
        answer = with_warning(str(answer), translate("api.time_limit_clamped", lang,
                                                     **decoded.clamped))
    return Response(answer, media_type="application/json", headers={"Content-Language": lang})


def with_warning(result_text: str, message: str) -> str:
    """result.json with one more warning: the scenario's time limit was clamped."""
    result = parse_result(result_text)
    result.warnings.append(Finding(severity="warning", code="time_limit_clamped",
                                   message=message, field="time_limit_s",
                                   path="options.time_limit_s"))
    return result_to_json(result)


async def _isolated(kind: str, payload: tuple, timeout: float,
                    request: Request) -> tuple[str, object]:
    memory_mb = request.app.state.settings.worker_memory_mb
    try:
        return await run_isolated(kind, payload, timeout, request.is_disconnected, memory_mb)
    except IsolatedRunError as exc:
        return "error", exc.error


def _error_answer(error: dict) -> Response:
    status = {"invalid_scenario": 422, "timeout": 504, "client_gone": 499}.get(
        error.get("code", ""), 500)
    return error_response(error, status)
