"""`allocator map RESULT_DIR -o FILE`: a result and its scenario as map layers and files.

Layers (GeoDataFrames in the scenario CRS):
- catchments: school, school_name, level, grades, blocks, pupils, boarders, area_km2, parts
  (polygons: the blocks' own polygons, or the tessellation of point blocks, dissolved);
- schools: id, name, kind, township, levels, enrolment, size_cap, classes, classrooms,
  utilisation, max_class_size, boarders, beds, classrooms_added, beds_added,
  investment_yuan (points; what the plan builds with `invest`);
- blocks: id, township, pupils, boarders, primary_school, primary_km, junior_school,
  junior_km (the block's polygon or point; split levels list "T1 (1-3); C1 (4-6)");
- flows: block, school, level, grades, boarders, distance_km (lines block -> school, boarding
  rows only).
The output kind follows the suffix: .gpkg / .geojson layers, .png static map, .html offline
interactive map. The scenario is `--scenario`, else scenario.json in the result folder
(`allocator solve` puts a copy there).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.i18n import catalog, resolve_lang, translate
from allocator.io.result_folder import assignments_frame
from allocator.model.findings import Finding, ScenarioError
from allocator.model.geometry import block_frame, boundary_shape
from allocator.model.result import Result
from allocator.model.scenario import Scenario, School
from geo.catchments import block_cells, dissolve_catchments
from geo.export import LABELS, find_cjk_font, render_png, write_layers
from geo.webmap import render_html

SUFFIXES = (".geojson", ".json", ".gpkg", ".png", ".html")


def all_schools(scenario: Scenario) -> dict[str, School]:
    """Every school record by id, including schools opened by layout operations."""
    out = {s.id: s for s in scenario.schools}
    for op in scenario.layout:
        if getattr(op, "op", None) == "open":
            out[op.school.id] = op.school
    return out


def _levels(school: School) -> str:
    grades = school.served_grades()
    lv = [name for name, rng in (("primary", range(1, 7)), ("junior", range(7, 10)))
          if any(g in rng for g in grades)]
    return ",".join(lv)


NOTHING_BUILT = {"classrooms_added": 0, "beds_added": 0, "investment_yuan": 0.0}


def invested_by_school(result: Result) -> dict[str, dict]:
    """Classrooms and beds the plan builds per school (`options.invest`) and their one-off
    cost, as the schools layer's columns."""
    out: dict[str, dict] = {}
    for i in result.investments:
        row = out.setdefault(i.school, dict(NOTHING_BUILT))
        row["classrooms_added" if i.what == "classrooms" else "beds_added"] += i.count
        row["investment_yuan"] += i.cost_yuan
    return out


def school_layer(result: Result, scenario: Scenario):
    import geopandas as gpd

    recs = all_schools(scenario)
    built = invested_by_school(result)
    rows, pts = [], []
    for s in result.schools:
        rec = recs.get(s.id)
        if rec is None or rec.location is None:
            continue
        rows.append({"id": s.id, "name": s.name or "", "kind": s.kind,
                     "township": s.township or "", "levels": _levels(rec),
                     "enrolment": s.enrolment, "size_cap": s.size_cap, "classes": s.classes,
                     "classrooms": s.classrooms, "utilisation": s.utilisation,
                     "max_class_size": s.max_class_size, "boarders": s.boarders,
                     "beds": s.beds, **built.get(s.id, dict(NOTHING_BUILT))})
        pts.append(rec.location)
    xy = np.array(pts, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
                            crs=scenario.crs)


def block_layer(assign: pd.DataFrame, blocks, scenario: Scenario):
    """One row per block with its school and distance per level."""
    out = blocks.rename(columns={"block": "id"})
    out.insert(1, "township", [b.township or "" for b in scenario.blocks])
    out.insert(2, "pupils", [sum(b.pupils(scenario.options.year)) for b in scenario.blocks])
    by = assign.assign(label=assign["school"] + " (" + assign["grades"] + ")")
    boarders = by.groupby("block")["boarders"].sum()
    out.insert(3, "boarders", out["id"].map(boarders).fillna(0).astype(int))
    for k, lv in enumerate(("primary", "junior")):
        part = by[by["level"] == lv]
        many = part.groupby("block")["school"].transform("size") > 1
        part = part.assign(label=np.where(many, part["label"], part["school"]))
        school = part.groupby("block")["label"].agg("; ".join)
        km = part.groupby("block")["distance_km"].max()
        out.insert(4 + 2 * k, f"{lv}_school", out["id"].map(school).astype(object).fillna(""))
        out.insert(5 + 2 * k, f"{lv}_km", out["id"].map(km))
    return out


def flow_layer(assign: pd.DataFrame, blocks, schools, crs: str):
    import geopandas as gpd
    import shapely

    rows = assign[assign["boarders"] > 0]
    bpt = dict(zip(blocks["block"], blocks.geometry.representative_point(), strict=True))
    spt = dict(zip(schools["id"], schools.geometry, strict=True))
    rows = rows[rows["school"].isin(spt)]
    lines = [shapely.LineString([bpt[b], spt[s]]) for b, s in zip(rows["block"],
                                                                    rows["school"],
                                                                    strict=True)]
    cols = ["block", "school", "level", "grades", "boarders", "distance_km"]
    return gpd.GeoDataFrame(rows[cols].reset_index(drop=True), geometry=lines, crs=crs)


def build_layers(result: Result, scenario: Scenario) -> dict:
    """The four map layers of a result (see the module docstring)."""
    if not result.assignments:
        raise ScenarioError([Finding(severity="error", code="result",
                                     message=f"the result (status {result.status}) has no "
                                             "assignments to map")])
    known = {b.id for b in scenario.blocks}
    unknown = sorted({a.block for a in result.assignments} - known)
    if unknown:
        raise ScenarioError([Finding(severity="error", code="result", record=f"block "
                                     f"'{unknown[0]}'", message=f"{len(unknown)} block(s) of "
                                     "the result are not in the scenario; is it the scenario "
                                     "this result was solved from?")])
    blocks = block_frame(scenario)
    assign = assignments_frame(result)
    cells = block_cells(blocks, boundary_shape(scenario))
    catchments = dissolve_catchments(cells[["block", cells.geometry.name]], assign)
    schools = school_layer(result, scenario)
    names = dict(zip(schools["id"], schools["name"], strict=True))
    catchments.insert(1, "school_name", [names.get(s, "") for s in catchments["school"]])
    return {"catchments": catchments, "schools": schools,
            "blocks": block_layer(assign, blocks, scenario),
            "flows": flow_layer(assign, blocks, schools, scenario.crs)}


def map_labels(lang: str = "en") -> dict[str, Any]:
    """Every text of a map (legend, layer names, tooltips, popups, school kinds) in `lang`,
    from the catalog `map.json`, keyed as `geo.export.LABELS`."""
    lang = resolve_lang(lang)
    names = [k.removeprefix("map.") for k in catalog() if k.startswith("map.")]
    out: dict[str, Any] = {n: translate(f"map.{n}", lang) for n in names
                           if not n.startswith("util.") and n != "no_cjk_font"}
    out["util"] = [translate(f"map.util.{i}", lang) for i in range(len(LABELS["util"]))]
    out["lang"] = lang
    return out


def png_labels(lang: str, tell: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The PNG map's texts in `lang`; English, with a one-line message saying Chinese
    labels need a CJK font and how to install one, when `lang` is Chinese and no CJK font
    is installed (`tell` gets the message; without it, a UserWarning)."""
    if resolve_lang(lang) == "en" or find_cjk_font() is not None:
        return map_labels(lang)
    message = translate("map.no_cjk_font", "en")
    if tell is not None:
        tell(message)
    else:
        warnings.warn(message, UserWarning, stacklevel=3)
    return map_labels("en")


def write_map(result: Result, scenario: Scenario, out: Path, lang: str = "en",
              tell: Callable[[str], None] | None = None) -> list[Path]:
    """Write the map of `result` to `out` by suffix, its texts in `lang`; returns the files
    written. A Chinese PNG without a CJK font installed is drawn in English and `tell`
    says so (see `png_labels`).

    Raises ValueError for an unknown suffix. Files appear only when complete.
    """
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"unknown map kind '{out.suffix}' (use .geojson, .gpkg, .png or "
                         ".html)")
    layers = build_layers(result, scenario)
    title = scenario.name
    if suffix == ".png":
        return [render_png(layers, out, title, labels=png_labels(lang, tell))]
    if suffix == ".html":
        return [render_html(layers, out, title, labels=map_labels(lang))]
    return write_layers(layers, out)
