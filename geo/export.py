"""Map export: GIS layers (GeoPackage, GeoJSON) and a static PNG map (matplotlib, Agg).

Layers are GeoDataFrames by name (`catchments`, `schools`, `blocks`, `flows`; see
`allocator.report.maps` for their columns). Every file is written to a temporary file beside the
target and renamed into place, so a failed export leaves no partial file. GeoJSON is written
in WGS84 lon/lat (RFC 7946), GeoPackage in the layers' own CRS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import shapely
from geopandas import GeoDataFrame

from .adjacency import adjacency_lists, cell_adjacency
from .catchments import unit_km, working_crs
from .io import write_all_atomically, write_atomically

PALETTE = ("#a6cee3", "#cab2d6", "#d9d9d9", "#80cdc1", "#f1b6da", "#bcbddc", "#dfc27d",
           "#9ecae1", "#e7d4e8", "#c7eae5", "#bababa", "#decbe4")  # no reds/greens: those
# colours tell school utilisation
UTILISATION_CLASSES = (  # (upper bound, colour, label): classes per classroom
    (0.6, "#1a9850", "under 60%"), (0.85, "#91cf60", "60-85%"), (1.0, "#fee08b", "85-100%"),
    (1.1, "#fc8d59", "100-110%"), (float("inf"), "#d73027", "over 110%"))


LABELS = {  # the English texts of a map; callers pass their own (same keys) for other languages
    "util": [lab for _, _, lab in UTILISATION_CLASSES], "util_title": "school utilisation",
    "legend_title": "school utilisation (classes / classrooms), size by enrolment",
    "size_note": "circle size: enrolment", "pupils_n": "{n} pupils",
    "boarding_flow": "boarding flow",
    "catchment_note": "catchment (colours tell neighbours apart)",
    "catchments_of": "{level} catchments", "flows_of": "{level} boarding flows",
    "blocks": "blocks", "schools": "schools", "level.primary": "primary",
    "level.junior": "junior", "panel_title": "{title} - {level}", "km": "km",
    "catchment_tip": "{school} ({level}): {pupils} pupils, {blocks} blocks, {parts} part(s)",
    "flow_tip": "{block} \u2192 {school}: {boarders} boarders, {km} km",
    "popup.enrolment": "enrolment", "popup.enrolment_value": "{enrolment} / cap {cap}",
    "popup.classes": "classes",
    "popup.classes_value": "{classes} in {classrooms} classrooms ({pct}%)",
    "popup.max_class": "max class size", "popup.boarders_beds": "boarders / beds",
    "popup.to_build": "to build",
    "popup.to_build_value": "{classrooms} classrooms, {beds} beds ({yuan} yuan)",
    "lang": "en"}


def map_labels(labels: dict[str, Any] | None) -> dict[str, Any]:
    """`labels` over the English defaults (a missing key keeps its English text)."""
    return {**LABELS, **(labels or {})}


def utilisation_color(u: float) -> str:
    """Colour of a utilisation (classes / classrooms) class, see UTILISATION_CLASSES."""
    for upper, colour, _ in UTILISATION_CLASSES:
        if u <= upper:
            return colour
    return UTILISATION_CLASSES[-1][1]


def color_catchments(catchments: GeoDataFrame) -> list[str]:
    """A fill colour per catchment such that touching catchments of one level differ
    (greedy colouring, largest first; deterministic)."""
    colors = [PALETTE[0]] * len(catchments)
    if len(catchments) == 0:
        return colors
    geoms = catchments.geometry.to_crs(working_crs(catchments.geometry)).values
    levels = catchments["level"].to_numpy()
    for lv in sorted(set(levels)):
        idx = np.flatnonzero(levels == lv)
        edges = cell_adjacency(np.asarray(geoms[idx], dtype=object))
        ptr, nbr = adjacency_lists(len(idx), edges)
        order = np.argsort(-(ptr[1:] - ptr[:-1]), kind="stable")
        got = np.full(len(idx), -1)
        for i in order:
            used = set(got[nbr[ptr[i]:ptr[i + 1]]].tolist())
            got[i] = next(c for c in range(len(PALETTE) + 1) if c not in used)
        for k, i in enumerate(idx):
            colors[i] = PALETTE[got[k] % len(PALETTE)]
    return colors


def geojson_paths(path: Path, names: list[str]) -> dict[str, Path]:
    """The first layer goes to `path`, the others beside it as <stem>-<layer>.geojson."""
    return {n: path if k == 0 else path.with_name(f"{path.stem}-{n}{path.suffix}")
            for k, n in enumerate(names)}


def write_layers(layers: dict[str, GeoDataFrame], path: str | Path) -> list[Path]:
    """Write the layers to a .gpkg (one file, one layer each) or .geojson (one file per layer,
    see `geojson_paths`). Returns the files written; raises ValueError for other suffixes.
    Nothing is renamed into place until every file is complete."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".gpkg":
        def write(tmp: Path) -> None:
            for name, frame in layers.items():
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        return [write_atomically(p, write)]
    if suffix not in (".geojson", ".json"):
        raise ValueError(f"unknown layer format '{p.suffix}' (use .gpkg or .geojson)")
    targets = geojson_paths(p, list(layers))
    return write_all_atomically({targets[name]: (lambda tmp, f=frame: f.to_crs(
        "EPSG:4326").to_file(tmp, driver="GeoJSON", engine="pyogrio",
                             layer_options={"COORDINATE_PRECISION": 7, "RFC7946": "YES"}))
        for name, frame in layers.items()})


CJK_FONT_FILES = ("NotoSansCJK", "wqy-microhei", "wqy-zenhei", "DroidSansFallback")


def find_cjk_font() -> str | None:
    """The name of an installed font matplotlib can draw Chinese with, or None.

    A CJK font installed after matplotlib cached its font list is found on disk and
    added, so installing one takes effect without clearing that cache."""
    from matplotlib import font_manager

    def known() -> str | None:
        names = sorted({f.name for f in font_manager.fontManager.ttflist})
        for keys in (("Sans CJK",), ("CJK", "WenQuanYi", "Hei", "Droid Sans Fallback"),
                     ("Song",)):
            for name in names:
                if any(k in name for k in keys):
                    return name
        return None

    found = known()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(part in Path(path).name for part in CJK_FONT_FILES):
                font_manager.fontManager.addfont(path)
        found = known()
    return found


def _draw_flows(ax: Any, flows: GeoDataFrame, lv: str, wcrs: Any, km: float) -> None:
    """Draw the boarding flows of level `lv` in km, wider for more boarders (relative to
    the largest flow of any level)."""
    fl = flows[flows["level"] == lv].to_crs(wcrs)
    if len(fl):
        fl.assign(geometry=fl.geometry.scale(km, km, origin=(0, 0))).plot(
            ax=ax, color="#4a1486", linewidth=0.4 + 2.0 * fl["boarders"].to_numpy()
            / max(flows["boarders"].max(), 1), alpha=0.55)


def _draw_schools(ax: Any, here: GeoDataFrame, km: float, size_max: float) -> None:
    """Draw the schools (already in the working CRS) in km, sized by enrolment relative to
    `size_max` and coloured by utilisation class."""
    xy = shapely.get_coordinates(here.geometry.values) * km
    enrol = here["enrolment"].to_numpy(dtype=float)
    ax.scatter(xy[:, 0], xy[:, 1], s=12 + 400 * enrol / size_max,
               c=[utilisation_color(u) for u in here["utilisation"]],
               edgecolors="#222222", linewidths=0.6, zorder=3)


def _draw_legend(fig: Any, size_max: float, labels: dict[str, Any]) -> None:
    """Add the figure's legend in the language of `labels`: utilisation classes, two school
    sizes (a quarter of the largest enrolment and the largest) and the boarding flow line."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    util = [Patch(facecolor=c, edgecolor="#222222", label=lab)
            for (_, c, _), lab in zip(UTILISATION_CLASSES, labels["util"], strict=True)]
    sizes = [Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                    markeredgecolor="#222222", label=labels["pupils_n"].format(n=f"{int(v):,}"),
                    markersize=float(np.sqrt(12 + 400 * v / size_max)))
             for v in (size_max / 4, size_max)]
    flow = [Line2D([], [], color="#4a1486", alpha=0.55, lw=1.5,
                   label=labels["boarding_flow"])]
    fig.legend(handles=util + sizes + flow, loc="lower center", ncol=8, fontsize=8,
               title=labels["legend_title"], title_fontsize=8, frameon=False)


def render_png(layers: dict[str, GeoDataFrame], path: str | Path, title: str,
               dpi: int = 150, labels: dict[str, Any] | None = None) -> Path:
    """A static map per level (side by side): catchments coloured so neighbours differ,
    boarding flows, schools sized by enrolment and coloured by utilisation, with legends
    in the language of `labels` (keys of `LABELS`; default English).

    Drawn in a projected CRS, axes in km, with a CJK font when one is installed. Without
    one, title text it cannot show (Chinese) is left out rather than drawn as boxes; the
    caller passes English labels then (`find_cjk_font` tells).
    """
    labels = map_labels(labels)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cat = layers["catchments"]
    schools = layers["schools"]
    flows = layers.get("flows")
    wcrs = working_crs(schools.geometry)
    km = unit_km(wcrs)
    cjk = find_cjk_font()
    if not cjk and not title.isascii():
        title = "".join(c for c in title if c.isascii()).strip(" -:") or "catchments"
    levels = [lv for lv in ("primary", "junior") if (cat["level"] == lv).any()] or ["primary"]
    with plt.rc_context({"font.family": ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]}):
        fig, axes = plt.subplots(1, len(levels), figsize=(7.5 * len(levels), 8.2),
                                 squeeze=False)  # inside: its texts take the fonts
        cat_w = cat.to_crs(wcrs)
        colors = np.array(color_catchments(cat), dtype=object)
        sch_w = schools.to_crs(wcrs)
        size_max = max(float(schools["enrolment"].max()), 1.0) if len(schools) else 1.0
        for ax, lv in zip(axes[0], levels, strict=True):
            sel = (cat["level"] == lv).to_numpy()
            part = cat_w[sel]
            if len(part):
                part.assign(geometry=part.geometry.scale(km, km, origin=(0, 0))).plot(
                    ax=ax, color=list(colors[sel]), edgecolor="white", linewidth=0.8)
            if flows is not None and len(flows):
                _draw_flows(ax, flows, lv, wcrs, km)
            _draw_schools(ax, sch_w[sch_w["levels"].str.contains(lv)], km, size_max)
            ax.set_title(labels["panel_title"].format(
                title=title, level=labels.get(f"level.{lv}", lv)), fontsize=12)
            ax.set_aspect("equal")
            ax.set_xlabel(labels["km"])
            ax.set_ylabel(labels["km"])
            ax.tick_params(labelsize=8)
        _draw_legend(fig, size_max, labels)
        fig.tight_layout(rect=(0, 0.07, 1, 1))

        def write(tmp: Path) -> None:
            fig.savefig(tmp, dpi=dpi, format="png")

        try:
            return write_atomically(path, write)
        finally:
            plt.close(fig)
