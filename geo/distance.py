"""Distances between points: great-circle for geographic CRSs, Euclidean for projected ones.

All functions are vectorised over numpy arrays of shape (n, 2) holding [x, y] (lon, lat for a
geographic CRS) and return kilometres. `StraightLine` answers the three questions the
allocator asks: k nearest of a subset of targets, the distance of given pairs, and dense
blocks of the matrix. Any other metric (road network, precomputed matrix) offers the same
three methods; see `MatrixDistance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyproj import CRS
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


def crs_kind(crs: str | CRS) -> tuple[bool, float]:
    """Return (is_geographic, km per CRS unit); km factor is 0 for geographic CRSs.

    Raises ValueError for a projected CRS whose axis unit is not a length.
    """
    c = CRS.from_user_input(crs)
    if c.is_geographic:
        return True, 0.0
    factors = {a.unit_conversion_factor for a in c.axis_info if a.unit_conversion_factor}
    if not factors:
        raise ValueError(f"CRS {c.to_string()} has no length unit")
    return False, float(next(iter(factors))) / 1000.0


def _unit_vectors(xy: np.ndarray) -> np.ndarray:
    lon = np.radians(xy[:, 0])
    lat = np.radians(xy[:, 1])
    cl = np.cos(lat)
    return np.column_stack([cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)])


def _chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))


def _km_to_chord(km: float) -> float:
    return float(2.0 * np.sin(min(km / (2.0 * EARTH_RADIUS_KM), np.pi / 2)))


def haversine_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between lon/lat rows of `a` and `b` (broadcasting)."""
    lon1, lat1 = np.radians(a[..., 0]), np.radians(a[..., 1])
    lon2, lat2 = np.radians(b[..., 0]), np.radians(b[..., 1])
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass
class StraightLine:
    """Straight-line distances from `sources` (e.g. blocks) to `targets` (e.g. schools)."""

    sources: np.ndarray
    targets: np.ndarray
    crs: str = "EPSG:4326"
    _geographic: bool = field(init=False)
    _km: float = field(init=False)
    _trees: dict[tuple[int, ...], tuple[cKDTree, np.ndarray]] = field(init=False)

    def __post_init__(self) -> None:
        self.sources = np.asarray(self.sources, dtype=float).reshape(-1, 2)
        self.targets = np.asarray(self.targets, dtype=float).reshape(-1, 2)
        self._geographic, self._km = crs_kind(self.crs)
        self._trees = {}

    def _embed(self, xy: np.ndarray) -> np.ndarray:
        return _unit_vectors(xy) if self._geographic else xy

    def pairs(self, src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
        """Distance in km of each pair (sources[src[i]], targets[tgt[i]])."""
        a = self.sources[np.asarray(src, dtype=np.int64)]
        b = self.targets[np.asarray(tgt, dtype=np.int64)]
        if self._geographic:
            return haversine_km(a, b)
        return np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1]) * self._km

    def dense(self, src: np.ndarray, tgt: np.ndarray | None = None) -> np.ndarray:
        """Matrix (len(src), len(tgt)) of km; all targets when `tgt` is None."""
        a = self.sources[np.asarray(src, dtype=np.int64)]
        b = self.targets if tgt is None else self.targets[np.asarray(tgt, dtype=np.int64)]
        if self._geographic:
            return haversine_km(a[:, None, :], b[None, :, :])
        d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
        return d * self._km

    def nearest(
        self, src: np.ndarray, subset: np.ndarray, k: int, max_km: float | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest targets among `subset` for each source in `src`.

        Returns (targets, km), both shaped (len(src), k'), k' = min(k, len(subset)), sorted by
        distance; entries beyond `max_km` (scalar or per source) are -1 / inf.
        """
        subset = np.asarray(subset, dtype=np.int64)
        src = np.asarray(src, dtype=np.int64)
        kk = min(k, len(subset))
        if kk == 0 or len(src) == 0:
            return np.full((len(src), kk), -1, np.int64), np.full((len(src), kk), np.inf)
        key = tuple(subset.tolist())
        if key not in self._trees:
            self._trees[key] = (cKDTree(self._embed(self.targets[subset])), subset)
        tree, ids = self._trees[key]
        _, idx = tree.query(self._embed(self.sources[src]), k=kk)
        idx = idx.reshape(len(src), kk)
        tg = ids[idx]
        km = self.pairs(np.repeat(src, kk), tg.ravel()).reshape(len(src), kk)
        order = np.argsort(km, axis=1, kind="stable")
        tg = np.take_along_axis(tg, order, axis=1)
        km = np.take_along_axis(km, order, axis=1)
        if max_km is not None:
            lim = np.broadcast_to(np.asarray(max_km, dtype=float), (len(src),))[:, None]
            far = km > lim + 1e-9
            tg = np.where(far, -1, tg)
            km = np.where(far, np.inf, km)
        return tg, km


@dataclass
class MatrixDistance:
    """Distances read from a full matrix (km or minutes), same interface as StraightLine.

    np.inf marks unreachable pairs; they are never returned by `nearest`.
    """

    matrix: np.ndarray

    def pairs(self, src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
        return self.matrix[np.asarray(src, dtype=np.int64), np.asarray(tgt, dtype=np.int64)]

    def dense(self, src: np.ndarray, tgt: np.ndarray | None = None) -> np.ndarray:
        m = self.matrix[np.asarray(src, dtype=np.int64)]
        return m if tgt is None else m[:, np.asarray(tgt, dtype=np.int64)]

    def nearest(
        self, src: np.ndarray, subset: np.ndarray, k: int, max_km: float | np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        subset = np.asarray(subset, dtype=np.int64)
        src = np.asarray(src, dtype=np.int64)
        kk = min(k, len(subset))
        d = self.dense(src, subset)
        order = np.argsort(d, axis=1, kind="stable")[:, :kk]
        km = np.take_along_axis(d, order, axis=1)
        tg = subset[order]
        lim = np.inf if max_km is None else max_km
        lim = np.broadcast_to(np.asarray(lim, dtype=float), (len(src),))[:, None]
        far = ~(km <= lim + 1e-9)
        return np.where(far, -1, tg), np.where(far, np.inf, km)
