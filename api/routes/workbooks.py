"""The planner's Excel workbook over HTTP: download the template, import a filled-in one.

Guarantees: `GET /v1/template.xlsx` is the workbook `allocator template` writes, in the
language asked for (`lang`, else Accept-Language); `POST /v1/scenarios/import` reads a
workbook with `allocator.import_template` and answers 200 with the scenario, or with
`valid: false` and every finding naming the sheet, the row and the column; nothing is solved
or stored, and a body that is not a workbook is a finding too, never a server error.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from allocator import ScenarioError, import_template, resolve_lang, write_template

from ..deps import SettingsDep, read_body
from ..errors import request_lang
from ..schemas import ValidationReport
from . import problems
from .scenarios import report_of

router = APIRouter(tags=["scenarios"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Lang = Annotated[str | None, Query(pattern=r"^(zh|zh-CN|en)$",
                                   description="zh-CN or en (default: Accept-Language)")]


class ImportReport(ValidationReport):
    """The findings of reading a workbook and, when it holds a valid scenario, the scenario."""

    scenario: dict[str, Any] | None = Field(
        None, description="the scenario JSON the workbook holds (null when an error was found)")


def pick_lang(asked: str | None, request: Request) -> str:
    """The language of the query when given, else the one Accept-Language asks for."""
    return resolve_lang(asked) if asked else request_lang(request)


def template_bytes(lang: str) -> bytes:
    """The empty template workbook in `lang`."""
    with tempfile.TemporaryDirectory(prefix="allocator-template-") as tmp:
        path = write_template(Path(tmp) / "template.xlsx", None, lang)
        return path.read_bytes()


def import_report(body: bytes) -> ImportReport:
    """The report of importing a workbook body (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="allocator-import-") as tmp:
        source, target = Path(tmp) / "upload.xlsx", Path(tmp) / "scenario.json"
        source.write_bytes(body)
        try:
            import_template(source, target)
        except ScenarioError as exc:
            return ImportReport(**report_of(exc.findings).model_dump())
        scenario = json.loads(target.read_text(encoding="utf-8"))
    return ImportReport(valid=True, errors=0, warnings=0, findings=[], scenario=scenario)


@router.get("/template.xlsx", summary="The planner's Excel template (empty)",
            response_class=Response, responses={
                200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
                      "description": "the workbook `allocator template` writes"},
                **problems(401)})
async def get_template(request: Request, lang: Lang = None) -> Response:
    language = pick_lang(lang, request)
    data = await run_in_threadpool(template_bytes, language)
    return Response(data, media_type=XLSX, headers={
        "Content-Language": language,
        "Content-Disposition": f'attachment; filename="template-{language}.xlsx"'})


@router.post(
    "/scenarios/import", response_model=ImportReport,
    summary="Read a filled-in Excel template into a scenario (nothing is solved)",
    description="The body is the .xlsx file. Answers 200 with the scenario, or with "
                "`valid: false` and findings naming sheet and row (`record`) and column "
                "(`field`): missing sheets or columns, wrong units, text in number cells, "
                "unknown ids, scenario rules.",
    responses=problems(401, 413),
    openapi_extra={"requestBody": {"required": True, "description": "the .xlsx workbook "
                                   "(any Content-Type: the bytes are read as they are)",
                                   "content": {"application/octet-stream": {
                                       "schema": {"type": "string", "format": "binary"}}}}})
async def import_workbook(request: Request, settings: SettingsDep) -> ImportReport:
    body = await read_body(request, settings)
    return await run_in_threadpool(import_report, body)
