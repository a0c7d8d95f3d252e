"""`allocator import`: CSV / XLSX / GIS layers with Chinese headers into a scenario."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.io.importer import import_scenario
from allocator.model.findings import ScenarioError
from allocator.model.loading import load_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
runner = CliRunner()


def copy_example(tmp_path: Path) -> Path:
    for f in DATA.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / "mapping.toml"


def messages(exc: ScenarioError) -> str:
    return " | ".join(str(f) for f in exc.findings)


def test_example_mapping_imports_and_solves(tmp_path):
    mapping = copy_example(tmp_path)
    out = tmp_path / "county.json"
    r = runner.invoke(app, ["import", str(mapping), "-o", str(out)])
    assert r.exit_code == 0, r.output
    sc = load_scenario(out)
    assert sc.name == "示例县" and sc.crs == "EPSG:4326"
    s = {x.id: x for x in sc.schools}
    assert s["S03"].kind == "teaching_point" and s["S01"].urban and not s["S02"].urban
    assert s["S02"].boarding_beds == 60 and s["S01"].name == "城关第一小学"
    b = {x.id: x for x in sc.blocks}
    assert b["V01"].students == [20, 22, 18, 19, 21, 20, 25, 24, 23]
    assert b["V04"].current_school == {"1-3": "S03", "4-6": "S02", "junior": "J01"}
    assert b["V04"].current_by_grade()[:4] == ["S03", "S03", "S03", "S02"]
    solved = runner.invoke(app, ["solve", str(out), "-o", str(tmp_path / "res"), "-q"])
    assert solved.exit_code == 0, solved.output


def test_xlsx_and_gbk_csv(tmp_path):
    mapping = copy_example(tmp_path)
    pd.read_csv(tmp_path / "学校.csv", dtype=str).to_excel(tmp_path / "学校.xlsx",
                                                         sheet_name="学校", index=False)
    text = (tmp_path / "村组.csv").read_text(encoding="utf-8")
    (tmp_path / "村组.csv").write_bytes(text.encode("gb18030"))
    spec = mapping.read_text(encoding="utf-8").replace('file = "学校.csv"',
                                                       'file = "学校.xlsx"\nsheet = "学校"')
    mapping.write_text(spec, encoding="utf-8")
    import_scenario(mapping, tmp_path / "s.json")
    sc = load_scenario(tmp_path / "s.json")
    assert len(sc.schools) == 4 and sc.blocks[2].name == "石桥村"


def village_layer(crs: str | None = "EPSG:32649") -> gpd.GeoDataFrame:
    """Five square villages (metres) with Chinese attribute names."""
    geoms = [shapely.box(x, 0, x + 1000, 1000) for x in range(0, 5000, 1000)]
    return gpd.GeoDataFrame({"村代码": [f"V{i}" for i in range(5)],
                             "小学生": [30, 40, 20, 10, 25], "初中生": [0] * 5},
                            geometry=geoms, crs=crs)


def gis_mapping(tmp_path: Path, blocks_file: str, schools_file: str, extra: str = "") -> Path:
    m = tmp_path / "m.toml"
    m.write_text(f'''
crs = "EPSG:32649"
[schools]
file = "{schools_file}"
kind = "primary"
columns = {{ id = "代码", classrooms = "教室" }}
[blocks]
file = "{blocks_file}"
columns = {{ id = "村代码", g4 = "小学生", g7 = "初中生" }}
{extra}''', encoding="utf-8")
    return m


def schools_layer(crs: str | None = "EPSG:32649") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"代码": ["A", "B"], "教室": [12, 12]},
                            geometry=[shapely.Point(500, 500), shapely.Point(4500, 500)], crs=crs)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_gis_layers_polygons_become_block_geometry(tmp_path, suffix):
    village_layer().to_file(tmp_path / f"villages{suffix}", engine="pyogrio")
    schools_layer().to_file(tmp_path / f"schools{suffix}", engine="pyogrio")
    out = tmp_path / "s.json"
    import_scenario(gis_mapping(tmp_path, f"villages{suffix}", f"schools{suffix}"), out)
    sc = load_scenario(out)
    assert sc.blocks[0].geometry["type"] == "Polygon" and sc.blocks[0].location is None
    assert sc.blocks[1].students[3] == 40
    assert sc.schools[1].location == (4500.0, 500.0) and sc.schools[0].kind == "primary"


def test_layers_are_reprojected_to_the_scenario_crs(tmp_path):
    village_layer().to_crs(4326).to_file(tmp_path / "v.gpkg")
    schools_layer().to_file(tmp_path / "s.gpkg")
    county = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 3000, 1000),
                                        shapely.box(3000, 0, 5000, 1000)], crs="EPSG:32649")
    county.to_crs(4490).to_file(tmp_path / "county.gpkg")  # CGCS2000 lon/lat
    m = gis_mapping(tmp_path, "v.gpkg", "s.gpkg", '[boundary]\nfile = "county.gpkg"\n')
    import_scenario(m, tmp_path / "s.json")
    sc = load_scenario(tmp_path / "s.json")
    assert shapely.geometry.shape(sc.blocks[0].geometry).bounds == pytest.approx(
        (0, 0, 1000, 1000), abs=0.01)
    assert shapely.geometry.shape(sc.boundary).area == pytest.approx(5e6, rel=1e-4)


def failing(mapping: Path, out: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        import_scenario(mapping, out)
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]
    return messages(info.value)


def test_absent_column_is_named_with_the_file_and_field(tmp_path):
    mapping = copy_example(tmp_path)
    mapping.write_text(mapping.read_text(encoding="utf-8").replace('教室数"', '教室总数"'),
                       encoding="utf-8")
    text = failing(mapping, tmp_path / "s.json")
    assert "学校.csv" in text and "'教室总数'" in text and "classrooms" in text


def test_bad_cell_names_row_and_field(tmp_path):
    mapping = copy_example(tmp_path)
    p = tmp_path / "村组.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("V03,石桥村,青山镇,112.931,28.206,8",
                                                       "V03,石桥村,青山镇,112.931,28.206,八"),
                 encoding="utf-8")
    text = failing(mapping, tmp_path / "s.json")
    assert "村组.csv row 4" in text and "g1 (一年级)" in text and "'八'" in text


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_layer_without_crs_and_invalid_geometry(tmp_path):
    # GeoJSON is WGS84 by definition: a Shapefile without .prj has no CRS
    v = village_layer(crs=None)
    v.to_file(tmp_path / "v.shp", engine="pyogrio")
    schools_layer().to_file(tmp_path / "s.gpkg")
    text = failing(gis_mapping(tmp_path, "v.shp", "s.gpkg"), tmp_path / "out.json")
    assert "v.shp" in text and "no coordinate reference system" in text
    bow = village_layer()
    bow.loc[2, "geometry"] = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    bow.loc[3, "geometry"] = shapely.Polygon()
    bow.to_file(tmp_path / "bad.gpkg")
    text = failing(gis_mapping(tmp_path, "bad.gpkg", "s.gpkg"), tmp_path / "out.json")
    assert "bad.gpkg row 3, field 'geometry'" in text and "invalid geometry" in text
    assert "bad.gpkg row 4" in text and "empty geometry" in text


def test_mismatched_crs_without_a_target_is_named(tmp_path):
    village_layer().to_crs(4326).to_file(tmp_path / "v.gpkg")
    schools_layer().to_file(tmp_path / "s.gpkg")
    m = gis_mapping(tmp_path, "v.gpkg", "s.gpkg")
    m.write_text(m.read_text(encoding="utf-8").replace('crs = "EPSG:32649"', ""),
                 encoding="utf-8")
    text = failing(m, tmp_path / "out.json")
    assert "v.gpkg" in text and "s.gpkg" in text and "CRS" in text


def test_plan_naming_unknown_block_and_teachers(tmp_path):
    mapping = copy_example(tmp_path)
    (tmp_path / "教师.csv").write_text(
        "工号,学校,学科,学段,职称,骨干,在校年限\nT1,S01,语文,小学,高级,是,7\n"
        "T2,J01,数学,初中,中级,否,2\n", encoding="utf-8")
    spec = mapping.read_text(encoding="utf-8") + '''
[teachers]
file = "教师.csv"
[teachers.columns]
id = "工号"
school = "学校"
subject = "学科"
level = "学段"
title = "职称"
backbone = "骨干"
years_at_school = "在校年限"
'''
    mapping.write_text(spec, encoding="utf-8")
    import_scenario(mapping, tmp_path / "ok.json")
    t = load_scenario(tmp_path / "ok.json").teachers
    assert (t[0].subject, t[0].level, t[0].title, t[0].backbone) == ("chinese", "primary",
                                                                     "senior", True)
    with (tmp_path / "现行学区.csv").open("a", encoding="utf-8") as f:
        f.write("V99,S01\n")
    text = failing(mapping, tmp_path / "s.json")
    assert "现行学区.csv row 13" in text and "'V99'" in text


def test_mapping_errors_exit_2_on_the_command_line(tmp_path):
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"schools": {"file": "x.csv", "columns": {"idd": "a"}}}),
                 encoding="utf-8")
    r = runner.invoke(app, ["import", str(m), "-o", str(tmp_path / "s.json")])
    text = " ".join(r.output.split())
    assert r.exit_code == 2 and "unknown field(s) idd" in text and "[blocks] is required" in text
