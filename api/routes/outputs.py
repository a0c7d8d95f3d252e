"""More outputs of a finished job, for the workbench page and its downloads: the stored
scenario, the map layers as JSON, the result folder's other CSV files, the GeoPackage and
the Excel report (`allocator export`).

Every one is built from the job's stored result.json and scenario through the public API;
404 for an unknown job (or another token's), 409 when the job has no result. Files are
written in a temporary folder and answered whole.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from allocator import (
    Result,
    ScenarioError,
    export_workbook,
    parse_scenario,
    rotation_frame,
    schools_frame,
    staffing_frame,
    write_map,
)
from geo.export import color_catchments
from geo.webmap import to_geojson

from ..deps import Owner, StoreDep
from ..errors import ApiError
from ..jobs import JobStore
from . import problems
from .jobs import JobId, find_job, load_layers, load_result
from .workbooks import XLSX, Lang, pick_lang

router = APIRouter(prefix="/jobs", tags=["jobs"])

GPKG = "application/geopackage+sqlite3"
Table = Literal["schools", "rotation", "staffing"]


def binary(media: str, description: str) -> dict:
    """OpenAPI `responses` of a route answering one file."""
    return {200: {"content": {media: {"schema": {"type": "string", "format": "binary"}}},
                  "description": description}, **problems(401, 404, 409)}


def attachment(data: bytes | str, media: str, filename: str) -> Response:
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def table_csv(result: Result, table: Table) -> str:
    """One CSV file of the result folder (schools, rotation or staffing; the last two are
    empty tables with their headers when the result has no teacher stage)."""
    if table == "schools":
        return schools_frame(result).to_csv(index=False)
    teachers = result.teachers
    if table == "rotation":
        return rotation_frame(teachers.moves if teachers else []).to_csv(index=False)
    return staffing_frame(teachers.schools if teachers else []).to_csv(index=False)


def gpkg_bytes(store: JobStore, job_id: str, owner: str) -> bytes:
    """The GeoPackage of the job's map layers (catchments, schools, blocks, flows)."""
    result = load_result(store, job_id, owner)
    scenario = parse_scenario(json.loads(store.scenario_text(job_id) or "{}"))
    with tempfile.TemporaryDirectory(prefix="allocator-gpkg-") as tmp:
        try:
            paths = write_map(result, scenario, Path(tmp) / f"{job_id}.gpkg")
        except ScenarioError as exc:
            raise ApiError(409, "job_no_plan",
                           "; ".join(f.message for f in exc.findings)) from None
        return paths[0].read_bytes()


def report_bytes(store: JobStore, job_id: str, owner: str, lang: str) -> bytes:
    """The Excel report of the job's result in `lang`."""
    result = load_result(store, job_id, owner)
    with tempfile.TemporaryDirectory(prefix="allocator-report-") as tmp:
        return export_workbook(result, Path(tmp) / "report.xlsx", lang).read_bytes()


@router.get("/{job_id}/scenario", summary="The scenario a job solves",
            response_class=Response, responses={
                200: {"content": {"application/json": {"schema": {"type": "object"}}},
                      "description": "the scenario JSON as it was submitted"},
                **problems(401, 404)})
def get_job_scenario(job_id: JobId, store: StoreDep, owner: Owner) -> Response:
    find_job(store, job_id, owner)
    return Response(store.scenario_text(job_id) or "{}", media_type="application/json")


@router.get("/{job_id}/layers.json", summary="The map layers of a finished job",
            description="{catchments, schools, blocks, flows}: one GeoJSON FeatureCollection "
                        "each (WGS84), the layers of the offline map; a catchment's `fill` "
                        "colour differs from its neighbours'.",
            response_class=Response, responses={
                200: {"content": {"application/json": {"schema": {"type": "object"}}},
                      "description": "the layers by name"},
                **problems(401, 404, 409)})
def get_job_layers(job_id: JobId, store: StoreDep, owner: Owner) -> Response:
    layers, _ = load_layers(store, job_id, owner)
    catchments = layers["catchments"]  # neighbours told apart by colour, as on the HTML map
    layers["catchments"] = catchments.assign(fill=color_catchments(catchments))
    body = {name: to_geojson(frame) for name, frame in layers.items()}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


@router.get("/{job_id}/tables/{table}.csv", summary="schools.csv, rotation.csv or "
            "staffing.csv of a finished job", response_class=Response,
            responses=binary("text/csv", "the table as in the result folder"))
def get_job_table_csv(job_id: JobId, table: Table, store: StoreDep, owner: Owner) -> Response:
    text = table_csv(load_result(store, job_id, owner), table)
    return attachment(text, "text/csv; charset=utf-8", f"{job_id}-{table}.csv")


@router.get("/{job_id}/catchments.gpkg", summary="The GeoPackage of a finished job",
            description="Layers catchments, schools, blocks and flows for QGIS / ArcGIS.",
            response_class=Response, responses=binary(GPKG, "a GeoPackage file"))
async def get_job_gpkg(job_id: JobId, store: StoreDep, owner: Owner) -> Response:
    data = await run_in_threadpool(gpkg_bytes, store, job_id, owner)
    return attachment(data, GPKG, f"{job_id}.gpkg")


@router.get("/{job_id}/report.xlsx", summary="The Excel report of a finished job",
            description="The workbook `allocator export` writes, in `lang` (default: "
                        "Accept-Language).",
            response_class=Response, responses=binary(XLSX, "the Excel report"))
async def get_job_report(job_id: JobId, store: StoreDep, owner: Owner, request: Request,
                         lang: Lang = None) -> Response:
    language = pick_lang(lang, request)
    data = await run_in_threadpool(report_bytes, store, job_id, owner, language)
    response = attachment(data, XLSX, f"{job_id}-report.xlsx")
    response.headers["Content-Language"] = language
    return response
