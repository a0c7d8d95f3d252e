"""Catchment polygons and adjacency on small layers with known answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.adjacency import adjacency_lists, cell_adjacency, count_components
from geo.catchments import block_cells, dissolve_catchments, tessellate, working_crs

UTM = "EPSG:32649"


def grid(n: int = 3, size: float = 1000.0, points: bool = False) -> gpd.GeoDataFrame:
    """n x n blocks b0..b8 row by row from the south-west; squares or their centres."""
    geoms = [shapely.box(x, y, x + size, y + size) for y in np.arange(n) * size
             for x in np.arange(n) * size]
    frame = gpd.GeoDataFrame({"block": [f"b{i}" for i in range(n * n)]}, geometry=geoms,
                             crs=UTM)
    if points:
        frame = frame.set_geometry(frame.centroid)
    return frame


def assignments(schools: list[str], level: str = "primary") -> pd.DataFrame:
    return pd.DataFrame({"block": [f"b{i}" for i in range(len(schools))], "level": level,
                         "school": schools, "pupils": 10, "boarders": [1] * len(schools)})


def test_grid_of_squares_has_rook_adjacency():
    edges = cell_adjacency(grid().geometry.values)
    assert len(edges) == 12  # 3 x 2 horizontal + 3 x 2 vertical, corners excluded
    assert [0, 4] not in edges.tolist()
    ptr, nbr = adjacency_lists(9, edges)
    assert nbr[ptr[4]:ptr[5]].tolist() == [1, 3, 5, 7]


def test_known_catchment_of_two_schools_on_3x3_grid():
    # A takes the left two columns, B the right column
    cat = dissolve_catchments(grid(), assignments(["A", "A", "B"] * 3))
    a = cat.set_index("school").loc["A"]
    b = cat.set_index("school").loc["B"]
    assert a.geometry.equals(shapely.box(0, 0, 2000, 3000))
    assert b.geometry.equals(shapely.box(2000, 0, 3000, 3000))
    assert (a.blocks, a.pupils, a.boarders, a.area_km2, a.parts) == (6, 60, 6, 6.0, 1)
    assert (b.blocks, b.area_km2, b.parts) == (3, 3.0, 1)


def test_split_catchment_counts_two_parts():
    # B holds the two right corners only: two parts
    schools = ["A", "A", "B", "A", "A", "A", "A", "A", "B"]
    cat = dissolve_catchments(grid(), assignments(schools)).set_index("school")
    assert cat.loc["B", "parts"] == 2 and cat.loc["A", "parts"] == 1
    edges = cell_adjacency(grid().geometry.values)
    assert count_components(np.array(schools, dtype=object), edges) == {"A": 1, "B": 2}


def test_points_tessellate_into_the_grid_within_a_boundary():
    pts = grid(points=True)
    cells = block_cells(pts, boundary=shapely.box(0, 0, 3000, 3000))
    assert (cells["cell"] == "voronoi").all()
    for got, want in zip(cells.geometry, grid().geometry, strict=True):
        assert got.symmetric_difference(want).area < 1e-6
    assert len(cell_adjacency(cells.geometry.values)) == 12
    cat = dissolve_catchments(cells, assignments(["A", "A", "B"] * 3)).set_index("school")
    assert cat.loc["A", "area_km2"] == pytest.approx(6.0)


def test_points_without_boundary_fill_a_grown_hull():
    cells = tessellate(grid(points=True).geometry)
    union = shapely.union_all(cells.values)
    assert union.contains(shapely.box(500, 500, 2500, 2500))
    assert cells.area.sum() == pytest.approx(union.area)  # no overlaps


def test_geographic_points_come_back_in_lon_lat_with_km2_areas():
    shift = (500_000, 3_100_000)  # near UTM 49N's central meridian, in Hunan
    pts = grid(points=True).translate(*shift).to_crs("EPSG:4326")
    pts = gpd.GeoDataFrame({"block": [f"b{i}" for i in range(9)]}, geometry=pts)
    assert working_crs(pts.geometry).to_epsg() == 32649
    box = gpd.GeoSeries([shapely.box(0, 0, 3000, 3000)], crs=UTM).translate(*shift).to_crs(
        4326).iloc[0]
    cells = block_cells(pts, boundary=box)
    assert cells.crs.to_epsg() == 4326
    cat = dissolve_catchments(cells, assignments(["A", "A", "B"] * 3)).set_index("school")
    assert cat.loc["A", "area_km2"] == pytest.approx(6.0, rel=1e-3)


def test_mixed_polygons_and_points_do_not_overlap():
    frame = grid()
    frame.loc[4, "geometry"] = frame.geometry[4].centroid  # the centre block is a point
    cells = block_cells(frame, boundary=shapely.box(0, 0, 3000, 3000))
    assert cells.loc[4, "cell"] == "voronoi"
    assert cells.geometry[4].symmetric_difference(shapely.box(1000, 1000, 2000, 2000)).area < 1


def test_duplicate_points_share_a_cell():
    pts = grid(points=True)
    pts.loc[9] = ["b9", shapely.Point(500, 500)]
    cells = tessellate(pts.geometry, shapely.box(0, 0, 3000, 3000))
    assert cells[9].equals(cells[0])


def test_missing_block_geometry_is_named():
    with pytest.raises(ValueError, match="'zz'"):
        dissolve_catchments(grid(), pd.DataFrame({"block": ["zz"], "level": "primary",
                                                  "school": "A", "pupils": 1, "boarders": 0}))


def test_layer_without_crs_is_refused():
    with pytest.raises(ValueError, match="no coordinate reference system"):
        tessellate(gpd.GeoSeries([shapely.Point(0, 0), shapely.Point(1, 1)]))
