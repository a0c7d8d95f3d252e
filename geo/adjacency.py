"""Block adjacency: which cells share an edge, and how many connected parts a set of blocks has.

Two cells are neighbours when their boundaries share a stretch of positive length (rook
adjacency) or their interiors overlap (sloppily digitised polygons); cells that touch at a
corner only are not. For point blocks the cells are their tessellation (`catchments.block_cells`),
so neighbours are tessellation neighbours. Edges are returned as an (m, 2) int array of row
positions with i < j, sorted, without duplicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def cell_adjacency(geoms: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Edges (i, j), i < j, between polygonal geometries sharing an edge or overlapping.

    Works in the geometries' own units; deterministic (sorted output).
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    edges = []
    bounds = shapely.boundary(geoms)
    for s in range(0, len(a), chunk):
        aa, bb = a[s:s + chunk], b[s:s + chunk]
        shared = shapely.length(shapely.intersection(bounds[aa], bounds[bb]))
        ok = shared > 0
        if not ok.all():
            rest = ~ok
            ok[rest] = shapely.area(shapely.intersection(geoms[aa[rest]], geoms[bb[rest]])) > 0
        edges.append(np.column_stack([aa[ok], bb[ok]]))
    out = np.concatenate(edges) if edges else np.zeros((0, 2), dtype=np.int64)
    return np.unique(out.astype(np.int64), axis=0).reshape(-1, 2)


def adjacency_lists(n: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, indices) of the undirected graph: neighbours of i are
    indices[indptr[i]:indptr[i+1]], sorted."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    src = np.concatenate([edges[:, 0], edges[:, 1]])
    dst = np.concatenate([edges[:, 1], edges[:, 0]])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    indptr = np.searchsorted(src, np.arange(n + 1))
    return indptr.astype(np.int64), dst.astype(np.int64)


def count_components(labels: np.ndarray, edges: np.ndarray) -> dict:
    """Connected parts of each label's nodes, using only edges whose two ends share a label.

    `labels` holds one label per node (None / NaN / -1 nodes belong to no set). Returns
    {label: number of parts}, labels in sorted order.
    """
    labels = np.asarray(labels, dtype=object)
    n = len(labels)
    valid = np.array([not (v is None or v == -1 or (isinstance(v, float) and np.isnan(v)))
                      for v in labels], dtype=bool)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    same = valid[edges[:, 0]] & valid[edges[:, 1]]
    if same.any():
        same[same] = labels[edges[same, 0]] == labels[edges[same, 1]]
    e = edges[same]
    g = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, comp = connected_components(g, directed=False)
    frame = pd.DataFrame({"label": labels[valid], "part": comp[valid]})
    counts = frame.groupby("label", sort=False)["part"].nunique()
    return {lab: int(counts[lab]) for lab in sorted(counts.index, key=str)}
