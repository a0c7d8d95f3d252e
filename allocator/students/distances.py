"""Scenario option `distance`: the block x school matrix by road or from a file.

`distance_matrix(scenario, schools)` returns None for straight-line distances, else the
matrix `build_instance` takes, with findings: errors (unusable road layer or matrix file, a
school no block can reach, a block that reaches no school) stop the solve; pairs that no road
connects are reported as warnings and priced at `UNREACHABLE` so a plan never uses them
unless nothing else fits. Relative paths are made absolute when the scenario file is
loaded (`model.scenario.load_scenario`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from allocator.model.findings import Finding
from allocator.model.geometry import block_point
from allocator.model.scenario import Scenario, School
from geo.io import LayerError, Problem, check_geometries, read_matrix, read_table
from geo.network import build_road_graph, network_matrix

UNREACHABLE = 10_000.0  # km (or minutes) charged for a pair no road connects
FAR_FROM_ROAD_KM = 2.0


def _error(message: str, field: str, record: str | None = None) -> Finding:
    return Finding(severity="error", code="distance", message=message, record=record,
                   field=field)


def _warning(message: str, field: str, record: str | None = None) -> Finding:
    return Finding(severity="warning", code="distance", message=message, record=record,
                   field=field)


def _problems(problems: list[Problem], field: str) -> list[Finding]:
    return [_error(str(p), field) for p in problems]


def road_matrix(scenario: Scenario, schools: list[School]) -> tuple[np.ndarray | None,
                                                                   list[Finding]]:
    """Blocks x schools by road (km or minutes), np.inf where no road connects the pair."""
    import geopandas as gpd


    d = scenario.options.distance
    field = "options.distance.roads"
    if not d.roads:
        return None, [_error("metric 'network' needs a road layer: set options.distance.roads "
                             "to a GeoPackage, GeoJSON or Shapefile of road lines", field)]
    path, _, layer = d.roads.partition("::")  # "roads.gpkg::layer" picks a layer
    try:
        roads = read_table(path, layer=layer or None)
    except LayerError as exc:
        return None, _problems(exc.problems, field)
    name = Path(path).name + (f":{layer}" if layer else "")
    if not isinstance(roads, gpd.GeoDataFrame):
        return None, [_error(f"{name}: not a GIS layer (use GPKG, GeoJSON or Shapefile)",
                             field)]
    problems = check_geometries(roads, name, ("LineString", "MultiLineString"))
    speeds = None
    if d.speed_attribute:
        if d.speed_attribute not in roads.columns:
            problems.append(Problem(name, f"no attribute '{d.speed_attribute}' (attributes: "
                                          f"{', '.join(map(str, roads.columns[:20]))})",
                                    field=d.speed_attribute))
        else:
            speeds = np.asarray(
                gpd.pd.to_numeric(roads[d.speed_attribute], errors="coerce"), dtype=float)
    if problems:
        return None, _problems(problems, field)
    graph = build_road_graph(roads.geometry, speeds, unit=d.unit)
    findings = []
    if d.unit == "minutes" and graph.defaulted_speeds:
        findings.append(_warning(f"{name}: {graph.defaulted_speeds} road segment(s) have no "
                                 f"usable '{d.speed_attribute}' speed; they count at 30 km/h",
                                 "options.distance.speed_attribute"))
    blocks = gpd.GeoSeries(gpd.points_from_xy(*np.array(
        [block_point(b) for b in scenario.blocks], dtype=float).reshape(-1, 2).T),
        crs=scenario.crs)
    sch = gpd.GeoSeries(gpd.points_from_xy(*np.array(
        [s.location for s in schools], dtype=float).reshape(-1, 2).T), crs=scenario.crs)
    nd = network_matrix(graph, blocks, sch)
    far = np.flatnonzero(nd.target_access_km > FAR_FROM_ROAD_KM)
    for j in far[:20]:
        findings.append(_warning(f"{nd.target_access_km[j]:.1f} km from the nearest road of "
                                 f"{name}; the leg to the road counts as a straight line",
                                 "location", f"school '{schools[j].id}'"))
    return nd.matrix, findings


def check_reach(scenario: Scenario, schools: list[School], matrix: np.ndarray,
                source: str, field: str) -> list[Finding]:
    """Errors for schools no block reaches and blocks that reach no school; one warning per
    school with some unreachable blocks (naming a few)."""
    ok = np.isfinite(matrix)
    out = []
    for j in np.flatnonzero(~ok.any(axis=0)):
        out.append(_error(f"no block can reach this school in {source}: it lies on a part of "
                          "the road network that no block is on; connect its road or close it",
                          "location", f"school '{schools[j].id}'"))
    for b in np.flatnonzero(~ok.any(axis=1))[:50]:
        out.append(_error(f"this block reaches no school in {source}: its road is not "
                          "connected to any school's", "location",
                          f"block '{scenario.blocks[b].id}'"))
    if any(f.severity == "error" for f in out):
        return out
    for j in np.flatnonzero(~ok.all(axis=0)):
        miss = np.flatnonzero(~ok[:, j])
        eg = ", ".join(scenario.blocks[b].id for b in miss[:5])
        out.append(_warning(f"unreachable from {len(miss)} block(s) in {source} (e.g. {eg}); "
                            f"these pairs count as {UNREACHABLE:,.0f} and are used only if "
                            "nothing else fits", field, f"school '{schools[j].id}'"))
    return out


def distance_matrix(scenario: Scenario, schools: list[School]) -> tuple[np.ndarray | None,
                                                                       list[Finding]]:
    """The matrix for `build_instance` (None: straight lines) and findings (see module)."""
    d = scenario.options.distance
    findings: list[Finding] = []
    if d.matrix:
        field = "options.distance.matrix"
        m, problems = read_matrix(d.matrix, [b.id for b in scenario.blocks],
                                  [s.id for s in schools])
        if problems:
            return None, _problems(problems, field)
        source = Path(d.matrix).name
    elif d.metric == "network":
        field = "options.distance.roads"
        m, findings = road_matrix(scenario, schools)
        if m is None:
            return None, findings
        source = "the road network " + Path(d.roads.partition("::")[0]).name
    else:
        return None, []
    findings += check_reach(scenario, schools, m, source, field)
    if d.unit == "minutes":
        findings.append(_warning("distances are minutes: costs are pupil-minutes and the day "
                                 "radius (policy day_radius_km) is read as minutes; set it "
                                 "with policy overrides", "options.distance.unit"))
    return np.where(np.isfinite(m), m, UNREACHABLE), findings
