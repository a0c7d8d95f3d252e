"""Reading planners' files: CSV / XLSX tables, GIS layers (GeoPackage, GeoJSON, Shapefile),
distance matrices; checks that name the layer, row and field of every problem.

Rows are numbered as a person sees them: for CSV / XLSX the spreadsheet row (the header is
row 1, the first record row 2), for GIS layers the feature number from 1. `LayerError`
carries a list of `Problem`s; nothing here writes files except `write_atomically`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from geopandas import GeoDataFrame, GeoSeries

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
GIS_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".zip")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel in China saves CSV as GBK by default


@dataclass
class Problem:
    """One problem in an input layer: where (layer, row, field) and what."""

    layer: str
    message: str
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.layer
        if self.row is not None:
            where += f" row {self.row}"
        if self.field:
            where += f" field '{self.field}'"
        return f"{where}: {self.message}"


class LayerError(ValueError):
    """The layer(s) cannot be used; `problems` say where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:20]))


def layer_name(path: str | Path, layer: str | None = None, sheet: str | None = None) -> str:
    """How messages name a layer: the file name, with its layer or sheet."""
    name = Path(path).name
    inner = layer or sheet
    return f"{name}:{inner}" if inner else name


def is_gis(path: str | Path) -> bool:
    return Path(path).suffix.lower() in GIS_SUFFIXES


def row_number(path: str | Path, position: int) -> int:
    """The row a person sees for the record at 0-based `position`."""
    return position + (2 if not is_gis(path) else 1)


def read_table(path: str | Path, sheet: str | None = None, layer: str | None = None,
               ) -> pd.DataFrame:
    """A CSV / XLSX table or a GIS layer (then a GeoDataFrame with its CRS).

    CSV is read as UTF-8 (with or without BOM), else GB18030. Raises LayerError naming the
    file when it is missing, unreadable or of an unknown kind. Text columns stay text.
    """
    p = Path(path)
    name = layer_name(p, layer, sheet)
    if not p.exists():
        raise LayerError([Problem(name, "file not found")])
    suffix = p.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            for enc in CSV_ENCODINGS:
                try:
                    return pd.read_csv(p, encoding=enc, dtype=str, keep_default_na=False)
                except UnicodeDecodeError:
                    continue
            raise LayerError([Problem(name, "not UTF-8 or GBK text; save it as UTF-8 CSV")])
        if suffix in (".xlsx", ".xlsm", ".xls"):
            frame = pd.read_excel(p, sheet_name=sheet or 0, dtype=str)
            return frame.fillna("")
        if suffix in GIS_SUFFIXES:
            import geopandas as gpd

            return gpd.read_file(p, layer=layer, engine="pyogrio")
    except LayerError:
        raise
    except (ValueError, OSError, KeyError, ImportError) as exc:
        raise LayerError([Problem(name, f"cannot read: {exc}")]) from None
    except Exception as exc:  # pyogrio / openpyxl raise their own error types
        raise LayerError([Problem(name, f"cannot read: {type(exc).__name__}: {exc}")]) from None
    raise LayerError([Problem(name, f"unknown file kind '{suffix}' (use CSV, XLSX, GPKG, "
                                    "GeoJSON or Shapefile)")])


def check_geometries(frame: GeoDataFrame, name: str, allowed: tuple[str, ...],
                     number: Callable[[int], int] = lambda i: i + 1) -> list[Problem]:
    """Problems of a layer's geometries: no CRS, empty, invalid or of a type not `allowed`.

    `number(position)` gives the row a person sees (default: feature number from 1).
    """
    out: list[Problem] = []
    field = frame.geometry.name
    if frame.crs is None:
        out.append(Problem(name, "the layer has no coordinate reference system (CRS); "
                                 "define it in the GIS (e.g. EPSG:4326) and export again",
                           field=field))
    geoms = np.asarray(frame.geometry.values, dtype=object)
    missing = np.array([g is None for g in geoms], dtype=bool)
    empty = missing.copy()
    empty[~missing] = shapely.is_empty(geoms[~missing])
    for i in np.flatnonzero(empty)[:50]:
        out.append(Problem(name, "empty geometry", row=number(int(i)), field=field))
    present = np.flatnonzero(~empty)
    valid = shapely.is_valid(geoms[present])
    for i in present[~valid][:50]:
        reason = shapely.is_valid_reason(geoms[i])
        out.append(Problem(name, f"invalid geometry ({reason}); repair it (e.g. QGIS 'Fix "
                                 "geometries')", row=number(int(i)), field=field))
    kinds = shapely.get_type_id(geoms[present])
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection"])[kinds]
    wrong = ~np.isin(names, allowed)
    for i, kind in zip(present[wrong][:50], names[wrong][:50], strict=True):
        out.append(Problem(name, f"{kind} geometry where {' or '.join(allowed)} is expected",
                           row=number(int(i)), field=field))
    return out


def check_same_crs(layers: dict[str, GeoDataFrame | GeoSeries]) -> list[Problem]:
    """One problem per layer whose CRS differs from the first layer's (layers without a CRS
    are reported by `check_geometries`)."""
    known = [(n, f.crs) for n, f in layers.items() if f.crs is not None]
    if not known:
        return []
    first, crs = known[0]
    return [Problem(n, f"CRS {c.to_string()} differs from {first}'s {crs.to_string()}; "
                       "reproject one of them, or name a target CRS to reproject both")
            for n, c in known[1:] if not c.equals(crs)]


def pivot_wide(frame: pd.DataFrame) -> pd.DataFrame:
    """The matrix in wide form, indexed by block id (as text): a long-form frame (columns
    block, school and km, minutes, distance or value, any case) pivoted to one column per
    school id (as text, first value of a repeated pair), else the frame indexed by its
    first column."""
    lower = {c.lower(): c for c in frame.columns}
    value_col = next((lower[k] for k in ("km", "minutes", "distance", "value") if k in lower),
                     None)
    if "block" in lower and "school" in lower and value_col:
        wide = frame.pivot_table(index=lower["block"], columns=lower["school"],
                                 values=value_col, aggfunc="first")
        wide.index = wide.index.astype(str)
        wide.columns = wide.columns.astype(str)
    else:
        wide = frame.set_index(frame.columns[0])
        wide.index = wide.index.astype(str)
    return wide


def read_matrix(path: str | Path, row_ids: list[str], col_ids: list[str],
                ) -> tuple[np.ndarray, list[Problem]]:
    """A block x school distance matrix from CSV or Parquet, in the order of `row_ids` and
    `col_ids`.

    Wide form: first column the block id, one column per school id. Long form: columns
    block, school and one value column (km, minutes, distance or value). Missing pairs and
    empty cells are np.inf (reported by the caller as unreachable); negative or non-numeric
    values, unknown ids and blocks / schools absent from the file are problems.
    """
    p = Path(path)
    name = p.name
    if not p.exists():
        return np.zeros(0), [Problem(name, "file not found")]
    try:
        frame = (pd.read_parquet(p) if p.suffix.lower() in (".parquet", ".pq")
                 else read_table(p))
    except LayerError as exc:
        return np.zeros(0), exc.problems
    except Exception as exc:  # pyarrow errors
        return np.zeros(0), [Problem(name, f"cannot read: {exc}")]
    frame.columns = [str(c).strip() for c in frame.columns]
    wide = pivot_wide(frame)
    problems = []
    missing_cols = [c for c in col_ids if c not in wide.columns]
    if missing_cols:
        problems.append(Problem(name, f"no column for school(s) {', '.join(missing_cols[:10])}",
                                field=missing_cols[0]))
    missing_rows = [r for r in row_ids if r not in wide.index]
    if missing_rows:
        problems.append(Problem(name, f"no row for block(s) {', '.join(missing_rows[:10])}",
                                field=frame.columns[0]))
    if problems:
        return np.zeros(0), problems
    if wide.index.has_duplicates:
        dup = wide.index[wide.index.duplicated()][0]
        return np.zeros(0), [Problem(name, f"block '{dup}' appears more than once")]
    sub = wide.loc[row_ids, col_ids]
    values = sub.apply(lambda s: pd.to_numeric(s.replace("", np.nan), errors="coerce"))
    raw_present = sub.notna() & (sub.astype(str) != "")
    bad = raw_present & values.isna()
    if bad.any().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        return np.zeros(0), [Problem(name, f"'{sub.iat[r, c]}' is not a number",
                                     row=int(r) + 2, field=str(col_ids[c]))]
    m = values.to_numpy(dtype=float)
    if (m < 0).any():
        r, c = np.argwhere(m < 0)[0]
        return np.zeros(0), [Problem(name, "negative distance", row=int(r) + 2,
                                     field=str(col_ids[c]))]
    return np.where(np.isnan(m), np.inf, m), []


def write_atomically(target: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` on a temporary file beside `target`, then rename it into place.

    The temporary file keeps the target's suffix (GDAL picks drivers by it). On any error
    the temporary file is removed and `target` is untouched.
    """
    return write_all_atomically({Path(target): write})[0]


def write_all_atomically(writers: dict[Path, Callable[[Path], None]]) -> list[Path]:
    """Write every target through a temporary sibling (see `write_atomically`); the
    targets are renamed into place only once all of them are written."""
    temps: dict[Path, Path] = {}
    try:
        for t, write in writers.items():
            t.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{t.stem}.", suffix=t.suffix,
                                            dir=t.parent)
            os.close(fd)
            tmp = temps[t] = Path(tmp_name)
            tmp.unlink()  # GDAL drivers refuse to overwrite some existing files
            write(tmp)
        for t, tmp in temps.items():
            os.replace(tmp, t)
    finally:
        for tmp in temps.values():
            if tmp.exists():
                tmp.unlink()
    return list(writers)
