"""Solving with road-network distances or a precomputed matrix (option distance)."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.model.findings import ScenarioError
from allocator.model.loading import parse_scenario
from tests.conftest import block, school, solve_students

runner = CliRunner()
UTM = "EPSG:32649"


def write_roads(path, island: bool = False):
    """Roads along y=0 from x=0 to 2000 and 4000 to 6000, joined by a detour north through
    y=3000 (or not joined at all: `island`)."""
    lines = [shapely.LineString([(0, 0), (2000, 0)]),
             shapely.LineString([(2000, 0), (2000, 3000), (4000, 3000), (4000, 0)]),
             shapely.LineString([(4000, 0), (6000, 0)])]
    if island:
        lines = [lines[0], shapely.LineString([(4000, 0), (6000, 0)])]
    gpd.GeoDataFrame({"speed": [30] * len(lines)}, geometry=lines, crs=UTM).to_file(path)


def road_scenario(tmp_path, **distance):
    data = {"name": "roads", "crs": UTM,
            "schools": [school("A", 0), school("B", 6000, beds=50)],
            "blocks": [block("b1", 1900, 100, grades={5: 10}),
                       block("b2", 4300, 100, grades={5: 10})],
            "options": {"time_limit_s": 5, "workers": 2, "distance": distance}}
    p = tmp_path / "s.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_network_distances_change_the_plan(tmp_path):
    write_roads(tmp_path / "roads.gpkg")
    p = road_scenario(tmp_path, metric="network", roads="roads.gpkg")
    r = runner.invoke(app, ["solve", str(p), "-o", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0, r.output
    rows = json.loads((tmp_path / "out" / "result.json").read_text())["students"]
    km = {a["block"]: (a["school"], a["distance_km"]) for a in rows["assignments"]}
    assert km["b1"] == ("A", 2.0)  # 0.1 km to the road, 1.9 km along it (straight: 1.9)
    assert km["b2"] == ("B", 1.8)


def test_unreachable_school_is_an_error_naming_it(tmp_path):
    write_roads(tmp_path / "roads.gpkg", island=True)
    data = json.loads(road_scenario(tmp_path).read_text())
    data["blocks"] = [block("b1", 1900, grades={5: 10})]
    data["options"]["distance"] = {"metric": "network", "roads": str(tmp_path / "roads.gpkg")}
    with pytest.raises(ScenarioError) as info:
        solve_students(parse_scenario(data))
    text = " ".join(str(f) for f in info.value.findings)
    assert "school 'B'" in text and "no block can reach" in text and "roads.gpkg" in text


def test_partly_unreachable_pairs_are_warnings(tmp_path):
    write_roads(tmp_path / "roads.gpkg", island=True)
    data = json.loads(road_scenario(tmp_path).read_text())
    data["options"]["distance"] = {"metric": "network", "roads": str(tmp_path / "roads.gpkg")}
    r = solve_students(parse_scenario(data))
    warn = [w for w in r.warnings if w.code == "distance"]
    assert {w.record for w in warn} == {"school 'A'", "school 'B'"}
    assert all("unreachable from 1 block" in w.message for w in warn)
    assert {a.block: a.school for a in r.assignments} == {"b1": "A", "b2": "B"}


def test_road_layer_problems_name_layer_and_field(tmp_path):
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=UTM).to_file(tmp_path / "pts.gpkg")
    data = json.loads(road_scenario(tmp_path).read_text())
    data["options"]["distance"] = {"metric": "network", "roads": str(tmp_path / "pts.gpkg"),
                                   "speed_attribute": "maxspeed", "unit": "minutes"}
    with pytest.raises(ScenarioError) as info:
        solve_students(parse_scenario(data))
    text = " ".join(str(f) for f in info.value.findings)
    assert "pts.gpkg row 1" in text and "Point geometry" in text and "'maxspeed'" in text
    data["options"]["distance"] = {"metric": "network"}
    with pytest.raises(ScenarioError, match="needs a road layer"):
        solve_students(parse_scenario(data))


def test_matrix_file_replaces_straight_lines(tmp_path):
    (tmp_path / "m.csv").write_text("block,A,B\nb1,9,1\nb2,1,9\n", encoding="utf-8")
    p = road_scenario(tmp_path, matrix="m.csv")
    r = runner.invoke(app, ["solve", str(p), "-o", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0, r.output
    rows = json.loads((tmp_path / "out" / "result.json").read_text())["students"]
    assert {a["block"]: a["school"] for a in rows["assignments"]} == {"b1": "B", "b2": "A"}
    (tmp_path / "m.csv").write_text("block,A\nb1,9\n", encoding="utf-8")
    r = runner.invoke(app, ["solve", str(p), "-o", str(tmp_path / "out2"), "-q"])
    text = " ".join(r.output.split())
    assert r.exit_code == 2 and "m.csv" in text and "b2" in text and "B" in text
    assert not (tmp_path / "out2").exists()
