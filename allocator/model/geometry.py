"""The scenario's geometry as points and GeoDataFrames, for the solver, the maps and `verify`.

`block_point` is a block's representative point; `block_frame` the blocks as a GeoDataFrame
(polygon where given, else the point) in the scenario CRS; `boundary_shape` the county
boundary; `block_adjacency` the pairs of blocks whose cells share an edge (contiguity and
the parts of each catchment). Unusable geometry raises ScenarioError naming the block.
No solver code: the map builder and the verifier use these too.
"""

from __future__ import annotations

import numpy as np

from geo.adjacency import cell_adjacency
from geo.catchments import block_cells, working_crs

from .findings import Finding, ScenarioError
from .scenario import Block, Scenario


def block_point(block: Block) -> tuple[float, float]:
    """A block's representative point: its location, else a point inside its geometry."""
    if block.location is not None:
        return block.location
    from shapely.geometry import shape

    p = shape(block.geometry).representative_point()
    return (p.x, p.y)


def block_frame(scenario: Scenario):
    """Blocks as a GeoDataFrame (column `block`; polygon where given, else the point), in the
    scenario CRS. Raises ScenarioError naming each block whose geometry is unusable."""
    import geopandas as gpd
    import shapely
    from shapely.geometry import shape

    geoms, problems = [], []
    for b in scenario.blocks:
        if b.geometry is not None:
            try:
                g = shape(b.geometry)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                g = None
                problems.append(f"not a GeoJSON geometry ({exc})")
            else:
                if g.is_empty:
                    problems.append("empty geometry")
                elif not g.is_valid:
                    problems.append(f"invalid geometry ({shapely.is_valid_reason(g)})")
                elif g.geom_type not in ("Polygon", "MultiPolygon", "Point"):
                    problems.append(f"{g.geom_type} where a Polygon is expected")
                else:
                    problems.append("")
        else:
            g = shapely.Point(b.location) if b.location is not None else None
            problems.append("" if g is not None else "no location or geometry")
        geoms.append(g)
    bad = [Finding(severity="error", code="geometry", record=f"block '{b.id}'",
                   field="geometry" if b.geometry is not None else "location", message=p)
           for b, p in zip(scenario.blocks, problems, strict=True) if p]
    if bad:
        raise ScenarioError(bad)
    return gpd.GeoDataFrame({"block": [b.id for b in scenario.blocks]}, geometry=geoms,
                            crs=scenario.crs)


def boundary_shape(scenario: Scenario):
    """The county boundary as a shapely geometry, or None. Raises ScenarioError if unusable."""
    if scenario.boundary is None:
        return None
    from shapely.geometry import shape

    try:
        g = shape(scenario.boundary)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        g, why = None, f"not a GeoJSON geometry ({exc})"
    else:
        why = ("empty" if g.is_empty else "" if g.geom_type in ("Polygon", "MultiPolygon")
               else f"{g.geom_type} where a Polygon is expected")
    if why:
        raise ScenarioError([Finding(severity="error", code="geometry", field="boundary",
                                     message=why)])
    return g.buffer(0) if not g.is_valid else g


def block_adjacency(scenario: Scenario) -> np.ndarray:
    """Edges (i, j), i < j, between scenario block indices whose cells share an edge."""
    blocks = block_frame(scenario)
    import shapely

    xy = shapely.get_coordinates(blocks.geometry.to_crs(working_crs(blocks.geometry)).values,
                                 return_index=True)
    bad = np.unique(xy[1][~np.isfinite(xy[0]).all(axis=1)])
    if len(bad):
        raise ScenarioError([Finding(
            severity="error", code="geometry", record=f"block '{scenario.blocks[i].id}'",
            field="location" if scenario.blocks[i].geometry is None else "geometry",
            message=f"lies outside the valid area of CRS {scenario.crs} (e.g. latitude "
                    "beyond 90 degrees); check the coordinates and the crs")
            for i in bad[:50]])
    cells = block_cells(blocks, boundary_shape(scenario))
    return cell_adjacency(cells.geometry.to_crs(working_crs(cells.geometry)).values)
