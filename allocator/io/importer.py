"""`allocator import MAPPING -o scenario.json`: schools, blocks, teachers, an existing plan and
a county boundary from planners' files, through a column-mapping file, into a scenario.

The mapping (TOML or JSON) names each table's file and which of its columns holds which
scenario field; headers may be Chinese. Common Chinese values are understood (小学 -> primary,
是/否, 高级 -> senior, ...; `values` adds or overrides translations). Example:

    name = "某县 2025"
    crs = "EPSG:4326"            # the scenario CRS; GIS layers are reprojected to it
    [schools]
    file = "学校.xlsx"            # CSV, XLSX, GPKG, GeoJSON or Shapefile (layer = / sheet =)
    columns = { id = "学校代码", name = "学校名称", kind = "学段", x = "经度", y = "纬度",
                classrooms = "教室数", boarding_beds = "床位数" }
    [blocks]
    file = "村组.gpkg"           # points or polygons; tables need x / y columns
    columns = { id = "村代码", township = "乡镇", students = ["一年级", "二年级", "三年级",
                "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"] }
    [plan]                       # today's block -> school plan: becomes current_school
    file = "现行学区.csv"
    columns = { block = "村代码", school = "学校代码" }   # optional: level or grades

Every problem names the file (and layer or sheet), the row and the field; nothing is written
unless the whole scenario is valid (then atomically). The mapping's known fields and value
translations, and its reading, are in `allocator.io.import_mapping`. A workbook written by
`allocator template` needs no mapping: `import_scenario` hands it to
`allocator.io.template_read`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from allocator.io.import_mapping import BOOLS, FALSE, FLOATS, INTS, TRUE, VALUES, read_mapping
from allocator.io.scenario_file import write_scenario
from allocator.io.template_read import import_template
from allocator.model.findings import Finding, ScenarioError
from allocator.model.grades import KIND_GRADES, LEVEL_GRADES, parse_grade_key
from allocator.model.loading import parse_scenario
from geo.io import (
    LayerError,
    Problem,
    check_geometries,
    check_same_crs,
    is_gis,
    layer_name,
    read_table,
)

MAPPING_SUFFIXES = (".toml", ".json")


class Table:
    """One mapped input table: its frame, where messages point, and value conversion."""

    def __init__(self, kind: str, spec: dict, base: Path, crs: str | None):
        self.kind = kind
        self.spec = spec
        self.path = (base / spec["file"]).resolve()
        self.name = layer_name(self.path, spec.get("layer"), spec.get("sheet"))
        self.frame = read_table(self.path, sheet=spec.get("sheet"), layer=spec.get("layer"))
        self.frame.columns = [str(c).strip() for c in self.frame.columns]
        self.columns: dict[str, Any] = dict(spec.get("columns", {}))
        self.values = {k: {**VALUES.get(k, {}), **v} for k, v in spec.get("values", {}).items()}
        self.gis = is_gis(self.path) and hasattr(self.frame, "geometry")
        self.problems: list[Problem] = []
        self.check_columns()

    def row(self, i: int) -> int:
        return i + (1 if self.gis else 2)

    def check_columns(self) -> None:
        have = set(self.frame.columns)
        for field, col in self.columns.items():
            for c in col if isinstance(col, list) else [col]:
                if c not in have:
                    shown = ", ".join(c for c in self.frame.columns if c != "geometry")
                    self.problems.append(Problem(self.name, f"column '{c}' named in the "
                                                 f"mapping is not in the file (columns: "
                                                 f"{shown})", field=field))
        if "students" in self.columns and (not isinstance(self.columns["students"], list)
                                           or len(self.columns["students"]) != 9):
            self.problems.append(Problem(self.name, "students must list 9 columns (grades "
                                                    "1-9)", field="students"))

    def raw(self, i: int, field: str) -> Any:
        col = self.columns.get(field)
        if col is None or col not in self.frame.columns:
            return None
        v = self.frame[col].iloc[i]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    def value(self, i: int, field: str, default: Any = None) -> Any:
        """The converted value of `field` in record i; problems are collected."""
        v = self.raw(i, field)
        if v is None:
            return default
        text = str(v).strip()
        if text == "" and field not in BOOLS:
            return default
        table = self.values.get(field, VALUES.get(field))
        if table is not None and text in table:
            return table[text]
        try:
            if field in BOOLS:
                low = text.lower()
                if low in TRUE:
                    return True
                if low in FALSE:
                    return False
                raise ValueError("not yes/no (是/否)")
            if field in INTS or field.startswith("g") and field[1:].isdigit():
                f = float(text.replace(",", ""))
                if f != int(f):
                    raise ValueError("not a whole number")
                return int(f)
            if field in FLOATS:
                return float(text.replace(",", ""))
        except ValueError as exc:
            self.problems.append(Problem(self.name, f"'{text}' {exc}".replace(
                "could not convert string to float: ", "is not a number: "),
                row=self.row(i), field=f"{field} ({self.columns[field]})"))
            return default
        return text

    def grades(self, i: int) -> list[int]:
        cols = self.columns.get("students")
        if isinstance(cols, list) and len(cols) == 9:
            out = []
            for g, c in enumerate(cols, start=1):
                self.columns[f"g{g}"] = c
                out.append(self.value(i, f"g{g}", 0))
            return out
        return [self.value(i, f"g{g}", 0) for g in range(1, 10)]


def layer_geometries(tables: list[Table], crs: str | None) -> tuple[str, list[Problem]]:
    """Check GIS layers, settle the scenario CRS and reproject the layers to it."""
    gis = [t for t in tables if t.gis]
    problems = []
    for t in gis:
        allowed = {"schools": ("Point",), "blocks": ("Point", "Polygon", "MultiPolygon"),
                   "boundary": ("Polygon", "MultiPolygon")}.get(t.kind, ("Point",))
        problems += check_geometries(t.frame, t.name, allowed, t.row)
    if problems:
        return crs or "EPSG:4326", problems
    if crs is None:
        problems = check_same_crs({t.name: t.frame for t in gis})
        if problems:
            return "EPSG:4326", problems
        if not gis:
            return "EPSG:4326", []
        c = gis[0].frame.crs
        crs = f"EPSG:{c.to_epsg()}" if c.to_epsg() else c.to_wkt()
    for t in gis:
        t.frame = t.frame.to_crs(crs)
    return crs, []


def point_of(t: Table, i: int, table_crs: str | None, crs: str) -> list[float] | None:
    if t.gis:
        g = t.frame.geometry.iloc[i]
        return [round(g.x, 7), round(g.y, 7)] if g.geom_type == "Point" else None
    x, y = t.value(i, "x"), t.value(i, "y")
    if x is None or y is None:
        t.problems.append(Problem(t.name, "no coordinates (map x and y, or use a GIS layer)",
                                  row=t.row(i), field="x/y"))
        return None
    if table_crs and table_crs != crs:
        from pyproj import Transformer

        x, y = Transformer.from_crs(table_crs, crs, always_xy=True).transform(x, y)
    return [round(float(x), 7), round(float(y), 7)]


def make_schools(t: Table, crs: str) -> list[dict]:
    out = []
    for i in range(len(t.frame)):
        rec: dict[str, Any] = {"id": t.value(i, "id"), "kind": t.value(i, "kind",
                                                                       t.spec.get("kind"))}
        rec["location"] = point_of(t, i, t.spec.get("crs"), crs)
        for f in ("name", "township", "urban", "classrooms", "boarding_beds", "max_students",
                  "group", "strength", "annual_fixed_cost", "teaching_area_m2",
                  "sports_area_m2", "equipment_value", "multimedia_rooms", "status"):
            v = t.value(i, f)
            if v is not None:
                rec[f] = v
        lp, lj = t.value(i, "classrooms_primary"), t.value(i, "classrooms_junior")
        if lp is not None or lj is not None:
            rec["classrooms_by_level"] = {"primary": lp or 0, "junior": lj or 0}
        out.append(rec)
    return out


def make_blocks(t: Table, crs: str) -> list[dict]:
    from shapely.geometry import mapping

    out = []
    for i in range(len(t.frame)):
        rec: dict[str, Any] = {"id": t.value(i, "id")}
        g = t.frame.geometry.iloc[i] if t.gis else None
        if g is not None and g.geom_type != "Point":
            rec["geometry"] = json.loads(json.dumps(mapping(g)))
        else:
            rec["location"] = point_of(t, i, t.spec.get("crs"), crs)
        for f in ("name", "township", "urban", "left_behind"):
            v = t.value(i, f)
            if v is not None:
                rec[f] = v
        rec["students"] = t.grades(i)
        cur = {lv: t.value(i, f"current_{lv}") for lv in ("primary", "junior")}
        if any(cur.values()):
            rec["current_school"] = {k: v for k, v in cur.items() if v}
        out.append(rec)
    return out


def make_teachers(t: Table) -> list[dict]:
    out = []
    for i in range(len(t.frame)):
        rec = {f: v for f in ("id", "name", "school", "subject", "level", "title", "backbone",
                              "years_at_school", "age", "sex", "degree", "exempt", "volunteer",
                              "pe_art") if (v := t.value(i, f)) is not None}
        out.append(rec)
    return out


def apply_plan(t: Table, schools: list[dict], blocks: list[dict]) -> None:
    """Today's plan rows -> blocks' current_school. A row's grades come from its level or
    grades column, else from the school's kind (a teaching point takes 1-3); narrower rows
    win over broader ones (a teaching point's 1-3 over its primary school's 1-6)."""
    kinds = {s["id"]: s.get("kind") for s in schools}
    by_id = {b["id"]: b for b in blocks}
    rows: dict[str, list[tuple[int, tuple[int, ...], str, int]]] = {}
    for i in range(len(t.frame)):
        b, s = t.value(i, "block"), t.value(i, "school")
        if b not in by_id:
            t.problems.append(Problem(t.name, f"block '{b}' is not among the blocks",
                                      row=t.row(i), field="block"))
            continue
        if s not in kinds:
            t.problems.append(Problem(t.name, f"school '{s}' is not among the schools",
                                      row=t.row(i), field="school"))
            continue
        key = t.value(i, "level") or t.value(i, "grades")
        try:
            grades = parse_grade_key(str(key)) if key else KIND_GRADES.get(kinds[s], ())
        except ValueError as exc:
            t.problems.append(Problem(t.name, str(exc), row=t.row(i),
                                      field="level" if t.value(i, "level") else "grades"))
            continue
        rows.setdefault(b, []).append((-len(grades), tuple(grades), s, i))
    for b, items in rows.items():
        per: dict[int, tuple[str, int, int]] = {}
        for width, grades, s, i in sorted(items):
            for g in grades:
                old = per.get(g)
                if old and old[1] == width and old[0] != s:
                    t.problems.append(Problem(t.name, f"block '{b}' grade {g} is already "
                                                      f"planned for school '{old[0]}' (row "
                                                      f"{t.row(old[2])})", row=t.row(i),
                                              field="school"))
                per[g] = (s, width, i)
        cur: dict[str, str] = {}
        for level, lgrades in LEVEL_GRADES.items():
            run: list[int] = []
            for g in (*lgrades, None):
                if run and (g is None or per.get(g, ("",))[0] != per.get(run[0], ("",))[0]):
                    if run[0] in per:
                        whole = tuple(run) == lgrades
                        cur[level if whole else f"{run[0]}-{run[-1]}"] = per[run[0]][0]
                    run = []
                if g is not None:
                    run.append(g)
        if cur:
            by_id[b]["current_school"] = {**by_id[b].get("current_school", {}), **cur}


def boundary_of(t: Table) -> dict:
    import shapely
    from shapely.geometry import mapping

    return json.loads(json.dumps(mapping(shapely.union_all(t.frame.geometry.values))))


def import_scenario(mapping_path: str | Path, output: str | Path) -> str:
    """Read the mapping and its files, validate the scenario, write it atomically. A path
    that is not a mapping file (.toml / .json) is read as the planner's workbook
    (`allocator.io.template_read`), which needs no mapping.

    Returns a one-line summary; raises ScenarioError naming file, row and field of every
    problem (then nothing is written).
    """
    mp = Path(mapping_path)
    if mp.suffix.lower() not in MAPPING_SUFFIXES:
        return import_template(mp, output)
    spec = read_mapping(mp)
    base = mp.parent
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    for kind in ("schools", "blocks", "teachers", "plan", "boundary"):
        if kind in spec:
            try:
                tables[kind] = Table(kind, spec[kind], base, spec.get("crs"))
            except LayerError as exc:
                problems += exc.problems
    problems += [p for t in tables.values() for p in t.problems]
    if not problems:
        crs, problems = layer_geometries(list(tables.values()), spec.get("crs"))
    if problems:
        raise _error(problems, mp)
    schools = make_schools(tables["schools"], crs)
    blocks = make_blocks(tables["blocks"], crs)
    data: dict[str, Any] = {"name": spec.get("name", mp.stem), "crs": crs}
    if "year" in spec:
        data["year"] = spec["year"]
    data["schools"], data["blocks"] = schools, blocks
    if "teachers" in tables:
        data["teachers"] = make_teachers(tables["teachers"])
    if "plan" in tables:
        apply_plan(tables["plan"], schools, blocks)
    if "boundary" in tables:
        data["boundary"] = boundary_of(tables["boundary"])
    for key in ("policy", "options"):
        if key in spec:
            data[key] = spec[key]
    problems = [p for t in tables.values() for p in t.problems]
    if problems:
        raise _error(problems, mp)
    parse_scenario(_plain(data), str(output))
    write_scenario(output, _plain(data))
    return (f"{len(schools)} schools, {len(blocks)} blocks, {len(data.get('teachers', []))} "
            f"teachers, crs {crs if len(crs) < 40 else 'custom'}")


def _plain(v: Any) -> Any:
    """numpy scalars -> Python, for JSON."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _error(problems: list[Problem], mapping: Path) -> ScenarioError:
    return ScenarioError([Finding(severity="error", code="import", message=p.message,
                                  record=p.layer + (f" row {p.row}" if p.row else ""),
                                  field=p.field) for p in problems[:200]], str(mapping))
