"""The scenario's geometry as points and GeoDataFrames, for the solver, the maps and `verify`.

`block_point` is a block's representative point; `block_frame` the blocks as a GeoDataFrame
(polygon where given, else the point) in the scenario CRS; `boundary_shape` the county
boundary; `block_adjacency` the pairs of blocks whose cells share an edge (contiguity and
the parts of each catchment). Unusable geometry raises ScenarioError naming the block.
No solver code: the map builder and the verifier use these too.

`AdjacencyCache` lets the scenarios of one county (a horizon plan's years, whose blocks are
cohort units sitting at the county's block locations) share one computation: with a cache,
`block_adjacency` tessellates the distinct sites (location or geometry), each once, and
expands the site edges to the blocks at them (blocks at one site share its cell, so they
are neighbours). The cells are then the county's own whatever the number of units at a
site: every year of a plan, and the single-year solve of the county, see the same cells.
Without blocks sharing a site, or with a `boundary`, the edges equal those computed
without a cache; without a boundary and with shared sites, the tessellation's outer hull
is grown by the sites' spacing (the plain computation counts each block, so its hull
would change with the number of cohort units, year by year).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import combinations, product

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


@dataclass
class AdjacencyCache:
    """Site adjacency computed for one county, by its sites, CRS and boundary: edges
    between sites and whether each site's own cell is a polygon of positive size (then the
    blocks sharing that site are neighbours). `hits` counts reuses."""

    sites: dict[tuple, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    hits: int = 0


def site_key(block: Block) -> tuple:
    """What a block's cell depends on: its geometry when given, else its location."""
    if block.geometry is not None:
        return ("geometry", json.dumps(block.geometry, sort_keys=True))
    return ("location", tuple(block.location) if block.location is not None else None)


def block_adjacency(scenario: Scenario, cache: AdjacencyCache | None = None) -> np.ndarray:
    """Edges (i, j), i < j, between scenario block indices whose cells share an edge.
    With `cache`, computed once per set of distinct sites and reused for every scenario
    with the same sites, CRS and boundary (see the module docstring)."""
    if cache is None:
        return _cell_edges(scenario)[0]
    index: dict[tuple, int] = {}
    site_of = np.array([index.setdefault(site_key(b), len(index)) for b in scenario.blocks],
                       dtype=np.int64)
    key = (tuple(index), scenario.crs, json.dumps(scenario.boundary, sort_keys=True))
    if key in cache.sites:
        cache.hits += 1
    else:
        first = np.unique(site_of, return_index=True)[1]
        sites = scenario.model_copy(update={"blocks": [scenario.blocks[i] for i in first]})
        try:
            cache.sites[key] = _cell_edges(sites)
        except ScenarioError:
            return _cell_edges(scenario)[0]  # the same error, naming this scenario's block
    edges, own = cache.sites[key]
    return expand_site_edges(site_of, edges, own)


def expand_site_edges(site_of: np.ndarray, edges: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Block edges from site edges: every pair of blocks at two neighbouring sites, and
    every pair at one site whose cell is a polygon (`own`); sorted, i < j, no duplicates."""
    members: list[list[int]] = [[] for _ in range(len(own))]
    for i, s in enumerate(site_of.tolist()):
        members[s].append(i)
    pairs = [p for s, t in edges.tolist() for p in product(members[s], members[t])]
    pairs += [p for s in np.flatnonzero(own).tolist() for p in combinations(members[s], 2)]
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    out = np.sort(np.array(pairs, dtype=np.int64), axis=1)
    return np.unique(out, axis=0).reshape(-1, 2)


def _cell_edges(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Edges between the scenario's blocks, and for each block whether its cell would
    neighbour an identical cell (a polygon of positive boundary length or area)."""
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
    geoms = np.asarray(cells.geometry.to_crs(working_crs(cells.geometry)).values, dtype=object)
    own = shapely.intersects(geoms, geoms) & (
        (shapely.length(shapely.boundary(geoms)) > 0) | (shapely.area(geoms) > 0))
    return cell_adjacency(geoms), np.asarray(own, dtype=bool)
