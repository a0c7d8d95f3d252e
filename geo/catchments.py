"""Catchment polygons: block cells (given polygons or a tessellation of points), dissolved by
assigned school and level.

Geometry work happens in a projected CRS: the frames' own CRS when it is projected, else the
UTM zone of the data (`working_crs`), so areas are in km2 and cells are true Voronoi cells on
the ground. Frames come back in the CRS they came in. Nothing here knows about solvers or
scenarios: inputs and outputs are GeoPandas / pandas frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from geopandas import GeoDataFrame, GeoSeries
from pyproj import CRS
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from .distance import crs_kind

POLYGONAL = ("Polygon", "MultiPolygon")
LEVEL_ORDER = {"primary": 0, "junior": 1}


def working_crs(geoms: GeoSeries) -> CRS:
    """A projected CRS for geometry work: the series' own when projected, else its UTM zone.

    Raises ValueError when the series has no CRS.
    """
    if geoms.crs is None:
        raise ValueError("the layer has no coordinate reference system")
    crs = CRS.from_user_input(geoms.crs)
    if not crs.is_geographic:
        return crs
    try:
        return geoms.estimate_utm_crs()
    except (RuntimeError, ValueError, IndexError):  # outside UTM coverage (poles) or odd data
        x0, y0, x1, y1 = geoms.total_bounds if len(geoms) else (0.0, 0.0, 0.0, 0.0)
        lon = float(np.clip(np.nan_to_num((x0 + x1) / 2), -180, 180))
        lat = float(np.clip(np.nan_to_num((y0 + y1) / 2), -89, 89))
        return CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")


def unit_km(crs: CRS) -> float:
    """Kilometres per unit of a projected CRS."""
    return crs_kind(crs)[1]


def default_buffer(xy: np.ndarray) -> float:
    """How far the hull is grown around points: the median nearest-neighbour spacing."""
    if len(xy) < 2:
        return 1000.0
    d, _ = cKDTree(xy).query(xy, k=2)
    spacing = d[:, 1][d[:, 1] > 0]
    return float(np.median(spacing)) if len(spacing) else 1000.0


def voronoi_cells(xy: np.ndarray, region: BaseGeometry) -> np.ndarray:
    """Voronoi cell of every point (rows of `xy`, projected units), clipped to `region`.

    Guaranteed: one (possibly empty) polygonal geometry per row, in row order; points at the
    same location share one cell; cells of distinct points do not overlap.
    """
    n = len(xy)
    if n == 0:
        return np.empty(0, dtype=object)
    uniq, inverse = np.unique(np.round(xy, 6), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if len(uniq) == 1:
        cells = np.array([region], dtype=object)
    else:
        vor = shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=region,
                                       ordered=True)
        cells = np.asarray(shapely.get_parts(vor), dtype=object)
        if len(cells) != len(uniq):  # GEOS may drop nearly coincident points: map by location
            owner = shapely.STRtree(cells).query(shapely.points(uniq), predicate="intersects")
            cells_by_point = np.empty(len(uniq), dtype=object)
            cells_by_point[owner[0]] = cells[owner[1]]
            cells = cells_by_point
        shapely.prepare(region)
        cells = shapely.intersection(cells, region)
    return cells[inverse]


def tessellate(points: GeoSeries, boundary: BaseGeometry | None = None,
               buffer: float | None = None) -> GeoSeries:
    """Cells of point geometries: Voronoi cells clipped to `boundary` (same CRS as `points`)
    when given, else to the convex hull grown by `buffer` (working-CRS units; default the
    median spacing of the points). Returns polygons indexed like `points`, in their CRS.
    """
    wcrs = working_crs(points)
    pts = points.to_crs(wcrs)
    xy = shapely.get_coordinates(pts.values)
    if boundary is not None:
        region = GeoSeries([boundary], crs=points.crs).to_crs(wcrs).iloc[0]
        region = shapely.make_valid(region)
    else:
        grow = default_buffer(xy) if buffer is None else buffer
        region = shapely.buffer(shapely.convex_hull(shapely.multipoints(xy)), grow)
    cells = voronoi_cells(xy, region)
    return GeoSeries(cells, index=points.index, crs=wcrs).to_crs(points.crs)


def block_cells(blocks: GeoDataFrame, boundary: BaseGeometry | None = None) -> GeoDataFrame:
    """The area each block stands for: its polygon when it has one, else its tessellation cell.

    Point blocks are tessellated among themselves, within `boundary` (or the grown hull of all
    blocks) minus the polygon blocks. Adds a column `cell` ('polygon' | 'voronoi'); the frame
    keeps its rows, index and CRS.
    """
    geom = blocks.geometry
    is_poly = geom.geom_type.isin(POLYGONAL).to_numpy()
    out = blocks.copy()
    out["cell"] = np.where(is_poly, "polygon", "voronoi")
    if is_poly.all():
        return out
    pts = geom[~is_poly].representative_point()
    if is_poly.any():
        wcrs = working_crs(geom)
        polys = geom[is_poly].to_crs(wcrs)
        if boundary is not None:
            region = GeoSeries([boundary], crs=blocks.crs).to_crs(wcrs).iloc[0]
        else:
            xy = shapely.get_coordinates(pts.to_crs(wcrs).values)
            allxy = np.vstack([xy, shapely.get_coordinates(polys.values)])
            region = shapely.buffer(shapely.convex_hull(shapely.multipoints(allxy)),
                                    default_buffer(xy))
        region = shapely.difference(shapely.make_valid(region), shapely.union_all(polys.values))
        boundary = GeoSeries([region], crs=wcrs).to_crs(blocks.crs).iloc[0]
    cells = tessellate(pts, boundary)
    out.loc[~is_poly, out.geometry.name] = cells.values
    return out


def count_parts(geoms: np.ndarray) -> np.ndarray:
    """Polygons in each geometry (0 for empty ones)."""
    geoms = np.asarray(geoms, dtype=object)
    n = shapely.get_num_geometries(geoms)
    return np.where(shapely.is_empty(geoms), 0, n).astype(np.int64)


def dissolve_catchments(cells: GeoDataFrame, assignments: pd.DataFrame,
                        block_column: str = "block") -> GeoDataFrame:
    """One catchment per (school, level): the union of the cells of the blocks assigned to it.

    `cells` holds one row per block (`block_column` and a polygonal geometry); `assignments`
    has columns block, level, school, pupils, boarders and optionally grades. A block split
    between schools (lower grades at a teaching point) lies in both catchments. Returns
    columns school, level, grades, blocks, pupils, boarders, area_km2, parts, geometry in the
    CRS of `cells`, sorted by level then school. Raises ValueError naming assignment blocks
    that have no cell.
    """
    wcrs = working_crs(cells.geometry)
    geom = cells.geometry.to_crs(wcrs)
    by_block = pd.Series(geom.values, index=cells[block_column].astype(str).values)
    if by_block.index.has_duplicates:
        dup = by_block.index[by_block.index.duplicated()][0]
        raise ValueError(f"block '{dup}' has more than one cell")
    rows = assignments.copy()
    rows["block"] = rows["block"].astype(str)
    missing = sorted(set(rows["block"]) - set(by_block.index))
    if missing:
        raise ValueError(f"{len(missing)} assigned block(s) have no geometry, e.g. "
                         f"'{missing[0]}'")
    if "grades" not in rows:
        rows["grades"] = ""
    rows["_order"] = rows["level"].map(LEVEL_ORDER).fillna(9)
    out = []
    for (_, level, school), grp in rows.groupby(["_order", "level", "school"], sort=True):
        blocks = pd.unique(grp["block"])
        shape = shapely.union_all(by_block.loc[blocks].values)
        grades = ",".join(sorted(set(str(g) for g in grp["grades"] if str(g))))
        out.append({"school": school, "level": level, "grades": grades,
                    "blocks": len(blocks), "pupils": int(grp["pupils"].sum()),
                    "boarders": int(grp["boarders"].sum()), "geometry": shape})
    frame = GeoDataFrame(out, columns=["school", "level", "grades", "blocks", "pupils",
                                       "boarders", "geometry"], geometry="geometry", crs=wcrs)
    g = frame.geometry.values
    frame.insert(6, "area_km2", np.round(shapely.area(g) * unit_km(wcrs) ** 2, 4))
    frame.insert(7, "parts", count_parts(g))
    return frame.to_crs(cells.crs)
