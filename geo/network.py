"""Road-network distances: a graph from road lines, points snapped onto it, shortest paths.

`build_road_graph` turns line geometries into an undirected graph whose nodes are line
vertices (vertices closer than `snap_m` merge, so roads meet where they share a vertex).
`network_matrix` snaps sources (blocks) and targets (schools) to their nearest road segment
(each snap splits the segment, so two points on one segment are joined along it), runs
Dijkstra (scipy.sparse.csgraph) from every target, and returns a sources x targets matrix in
km or minutes. The leg from a point to its road counts as straight-line km (at
`access_speed_kmh` for minutes). Pairs with no road connection are np.inf, never dropped:
callers report them. Geometry work happens in a projected CRS (UTM zone for lon/lat data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from geopandas import GeoSeries
from pyproj import CRS
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .catchments import unit_km, working_crs

Unit = Literal["km", "minutes"]
DEFAULT_SPEED_KMH = 30.0


@dataclass
class RoadGraph:
    """Undirected road graph in a projected CRS; edge costs in `unit`."""

    crs: CRS
    node_xy: np.ndarray  # (N, 2) working-CRS coordinates
    u: np.ndarray  # (E,) node ids
    v: np.ndarray
    km: np.ndarray  # (E,) length
    speed: np.ndarray  # (E,) km/h
    unit: Unit
    defaulted_speeds: int = 0  # segments whose speed was missing or not positive

    @property
    def cost(self) -> np.ndarray:
        return self.km if self.unit == "km" else self.km / self.speed * 60.0

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.u)


def build_road_graph(lines: GeoSeries, speeds: np.ndarray | None = None, unit: Unit = "km",
                     snap_m: float = 1.0, default_speed_kmh: float = DEFAULT_SPEED_KMH,
                     ) -> RoadGraph:
    """Graph of the (Multi)LineStrings in `lines` (a GeoSeries with a CRS).

    `speeds` (km/h, one per row of `lines`) sets travel speed; missing or non-positive values
    take `default_speed_kmh` and are counted in `defaulted_speeds`. Vertices within `snap_m`
    metres (on a grid of that size) become one node. Parallel segments keep the cheapest.
    """
    wcrs = working_crs(lines)
    to_m = unit_km(wcrs) * 1000.0
    geoms = np.asarray(lines.to_crs(wcrs).values, dtype=object)
    sp = (np.full(len(geoms), np.nan) if speeds is None
          else np.asarray(speeds, dtype=float).reshape(-1))
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 1  # LineString
    parts, part_of = parts[keep], part_of[keep]
    xy, line = shapely.get_coordinates(parts, return_index=True)
    same = line[1:] == line[:-1]
    a = np.flatnonzero(same)
    key = np.round(xy * to_m / max(snap_m, 1e-9)).astype(np.int64)
    _, first, node = np.unique(key, axis=0, return_index=True, return_inverse=True)
    node = node.ravel()
    node_xy = xy[first]
    u, v = node[a], node[a + 1]
    seg_m = np.hypot(*(xy[a + 1] - xy[a]).T) * to_m
    speed = sp[part_of[line[a]]]
    bad = ~(speed > 0)
    speed = np.where(bad, default_speed_kmh, speed)
    ok = u != v
    u, v, km, speed, bad = u[ok], v[ok], seg_m[ok] / 1000.0, speed[ok], bad[ok]
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    cost = km if unit == "km" else km / speed
    order = np.lexsort((cost, hi, lo))
    lo, hi, km, speed, bad = lo[order], hi[order], km[order], speed[order], bad[order]
    first_of = np.ones(len(lo), dtype=bool)
    first_of[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return RoadGraph(crs=wcrs, node_xy=node_xy, u=lo[first_of], v=hi[first_of],
                     km=km[first_of], speed=speed[first_of], unit=unit,
                     defaulted_speeds=int(bad[first_of].sum()))


@dataclass
class Snap:
    """Where points meet the road graph."""

    edge: np.ndarray  # (P,) edge index
    t: np.ndarray  # (P,) position along the edge, 0 at u, 1 at v
    access_km: np.ndarray  # (P,) straight-line km from the point to the road


def snap_points(graph: RoadGraph, xy: np.ndarray) -> Snap:
    """Each point's nearest road segment (working-CRS coordinates), ties to the lowest edge."""
    segs = shapely.linestrings(np.stack([graph.node_xy[graph.u], graph.node_xy[graph.v]],
                                        axis=1))
    pts = shapely.points(np.asarray(xy, dtype=float).reshape(-1, 2))
    if len(pts) == 0:
        return Snap(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    idx, dist = shapely.STRtree(segs).query_nearest(pts, return_distance=True,
                                                    all_matches=True)
    order = np.lexsort((idx[1], idx[0]))
    idx = idx[:, order]
    dist = dist[order]
    firsts = np.ones(idx.shape[1], dtype=bool)
    firsts[1:] = idx[0, 1:] != idx[0, :-1]
    edge = np.empty(len(pts), dtype=np.int64)
    edge[idx[0, firsts]] = idx[1, firsts]
    d = np.empty(len(pts))
    d[idx[0, firsts]] = dist[firsts]
    t = shapely.line_locate_point(segs[edge], pts, normalized=True)
    return Snap(edge=edge, t=np.nan_to_num(t), access_km=d * unit_km(graph.crs))


def split_at_snaps(graph: RoadGraph, snap: Snap) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (u, v, cost) of the graph with every snapped point inserted as node N + i."""
    n = graph.n_nodes
    cost = graph.cost
    p = len(snap.edge)
    order = np.lexsort((np.arange(p), snap.t, snap.edge))
    e, t = snap.edge[order], snap.t[order]
    pid = n + order
    new_first = np.ones(p, dtype=bool)
    new_first[1:] = e[1:] != e[:-1]
    last = np.ones(p, dtype=bool)
    last[:-1] = e[1:] != e[:-1]
    prev_node = np.where(new_first, graph.u[e], np.roll(pid, 1))
    prev_t = np.where(new_first, 0.0, np.roll(t, 1))
    us = [prev_node, pid[last]]
    vs = [pid, graph.v[e[last]]]
    cs = [(t - prev_t) * cost[e], (1.0 - t[last]) * cost[e[last]]]
    untouched = np.ones(graph.n_edges, dtype=bool)
    untouched[e] = False
    us.append(graph.u[untouched])
    vs.append(graph.v[untouched])
    cs.append(cost[untouched])
    return np.concatenate(us), np.concatenate(vs), np.concatenate(cs)


@dataclass
class NetworkDistances:
    """Sources x targets by road (`unit`), np.inf where no road connects the pair."""

    matrix: np.ndarray
    source_access_km: np.ndarray
    target_access_km: np.ndarray
    unit: Unit

    def unreachable(self) -> np.ndarray:
        """(k, 2) index pairs (source, target) that no road connects."""
        return np.argwhere(~np.isfinite(self.matrix))


def network_matrix(graph: RoadGraph, sources: GeoSeries, targets: GeoSeries,
                   access_speed_kmh: float = 10.0, batch: int = 32) -> NetworkDistances:
    """Road distance (graph unit) from every source point to every target point.

    Points are snapped to their nearest segment; the straight leg to the road is added (km,
    or minutes at `access_speed_kmh`). Guaranteed: shape (len(sources), len(targets)),
    symmetric road costs, np.inf exactly where source and target lie on disconnected parts.
    """
    sxy = shapely.get_coordinates(sources.to_crs(graph.crs).values)
    txy = shapely.get_coordinates(targets.to_crs(graph.crs).values)
    ns, nt = len(sxy), len(txy)
    snap = snap_points(graph, np.vstack([sxy, txy]))
    u, v, c = split_at_snaps(graph, snap)
    size = graph.n_nodes + ns + nt
    g = csr_matrix((np.maximum(c, 1e-12), (u, v)), shape=(size, size))
    access = snap.access_km if graph.unit == "km" else snap.access_km / access_speed_kmh * 60
    src_nodes = graph.n_nodes + np.arange(ns)
    tgt_nodes = graph.n_nodes + ns + np.arange(nt)
    out = np.empty((ns, nt))
    for s in range(0, nt, batch):
        cols = np.arange(s, min(nt, s + batch))
        d = dijkstra(g, directed=False, indices=tgt_nodes[cols])
        out[:, cols] = d[:, src_nodes].T
    out += access[:ns, None] + access[ns:][None, :]
    return NetworkDistances(matrix=out, source_access_km=snap.access_km[:ns],
                            target_access_km=snap.access_km[ns:], unit=graph.unit)
