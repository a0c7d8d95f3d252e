"""Road-network distances and distance matrices on small layers with known answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.io import read_matrix
from geo.network import build_road_graph, network_matrix

UTM = "EPSG:32649"


def roads() -> gpd.GeoDataFrame:
    """An L of two roads (60 and 30 km/h) and a separate island road."""
    return gpd.GeoDataFrame(
        {"speed": [60.0, 30.0, None]},
        geometry=[shapely.LineString([(0, 0), (2000, 0)]),
                  shapely.LineString([(2000, 0), (2000, 2000)]),
                  shapely.LineString([(5000, 5000), (6000, 5000)])], crs=UTM)


def pts(xy) -> gpd.GeoSeries:
    xy = np.asarray(xy, dtype=float)
    return gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=UTM)


def test_graph_joins_roads_at_shared_vertices():
    g = build_road_graph(roads().geometry, roads()["speed"])
    assert (g.n_nodes, g.n_edges) == (5, 3)
    assert sorted(g.km.tolist()) == [1.0, 2.0, 2.0]
    assert g.defaulted_speeds == 1


def test_network_km_follow_the_roads_plus_access_legs():
    g = build_road_graph(roads().geometry)
    d = network_matrix(g, pts([[500, 100], [1900, 1500]]), pts([[0, 0], [1500, 0]]))
    # (500,100): 0.1 km to the road, then 0.5 km / 1.0 km along it
    assert d.matrix == pytest.approx(np.array([[0.6, 1.1], [3.6, 2.1]]))
    assert d.source_access_km == pytest.approx([0.1, 0.1])


def test_two_points_on_one_segment_join_along_it():
    g = build_road_graph(roads().geometry)
    d = network_matrix(g, pts([[300, 0]]), pts([[1700, 0]]))
    assert d.matrix[0, 0] == pytest.approx(1.4)


def test_minutes_use_the_speed_attribute():
    g = build_road_graph(roads().geometry, roads()["speed"], unit="minutes")
    d = network_matrix(g, pts([[2000, 1000]]), pts([[0, 0]]), access_speed_kmh=10)
    # 1 km at 30 km/h = 2 min, then 2 km at 60 km/h = 2 min
    assert d.matrix[0, 0] == pytest.approx(4.0)


def test_unreachable_pairs_are_inf_and_listed():
    g = build_road_graph(roads().geometry)
    d = network_matrix(g, pts([[5500, 5000], [100, 0]]), pts([[0, 0]]))
    assert np.isinf(d.matrix[0, 0]) and np.isfinite(d.matrix[1, 0])
    assert d.unreachable().tolist() == [[0, 0]]


def test_lon_lat_layers_give_the_same_km():
    shift = (500_000, 3_100_000)  # near UTM 49N's central meridian
    g = build_road_graph(roads().geometry.translate(*shift).to_crs(4326))
    d = network_matrix(g, pts([[500, 100]]).translate(*shift).to_crs(4326),
                       pts([[1500, 0]]).translate(*shift).to_crs(4326))
    assert d.matrix[0, 0] == pytest.approx(1.1, rel=2e-3)


def test_matrix_csv_wide_and_long(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text("block,A,B\nb1,1.5,2\nb2,,3\n", encoding="utf-8")
    m, problems = read_matrix(wide, ["b2", "b1"], ["B", "A"])
    assert problems == []
    assert m.tolist() == [[3.0, np.inf], [2.0, 1.5]]
    long = tmp_path / "long.parquet"
    import pandas as pd

    pd.DataFrame({"block": ["b1", "b1", "b2"], "school": ["A", "B", "B"],
                  "km": [1.5, 2.0, 3.0]}).to_parquet(long)
    m2, problems = read_matrix(long, ["b2", "b1"], ["B", "A"])
    assert problems == [] and m2.tolist() == m.tolist()


def test_matrix_problems_name_file_row_and_field(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("block,A\nb1,far\n", encoding="utf-8")
    _, problems = read_matrix(bad, ["b1"], ["A"])
    assert "bad.csv row 2 field 'A'" in str(problems[0]) and "not a number" in str(problems[0])
    _, problems = read_matrix(bad, ["b1", "b9"], ["A", "Z"])
    text = " ".join(map(str, problems))
    assert "Z" in text and "b9" in text
