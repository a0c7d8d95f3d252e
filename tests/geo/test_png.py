"""The static PNG map: drawn per level with boarding flows whatever the flows' row order,
its legend in the labels passed in."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
import shapely

from geo.export import LABELS, find_cjk_font, render_png

CRS = "EPSG:32649"


def layers() -> dict[str, gpd.GeoDataFrame]:
    """Two schools, a catchment per level, and flows whose junior rows come first (their
    index does not start at 0 within the primary level)."""
    box = shapely.box(500000, 3000000, 506000, 3006000)
    catchments = gpd.GeoDataFrame({"school": ["P", "J"], "level": ["primary", "junior"]},
                                  geometry=[box, box], crs=CRS)
    schools = gpd.GeoDataFrame({"id": ["P", "J"], "levels": ["primary", "junior"],
                                "enrolment": [300, 500], "utilisation": [0.7, 1.2]},
                               geometry=[shapely.Point(501000, 3001000),
                                         shapely.Point(505000, 3005000)], crs=CRS)
    lines = [shapely.LineString([(500500, 3000500), (505000, 3005000)]),
             shapely.LineString([(500700, 3000200), (505000, 3005000)]),
             shapely.LineString([(505500, 3005500), (501000, 3001000)])]
    flows = gpd.GeoDataFrame({"level": ["junior", "junior", "primary"],
                              "boarders": [20, 5, 8]}, geometry=lines, crs=CRS)
    return {"catchments": catchments, "schools": schools, "flows": flows}


def test_png_draws_flows_of_every_level_in_any_row_order(tmp_path):
    out = render_png(layers(), tmp_path / "m.png", "county")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_png_legend_in_chinese_has_every_glyph(tmp_path):
    if find_cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-wqy-microhei)")
    zh = {**LABELS, "util": ["低于 60%", "60-85%", "85-100%", "100-110%", "高于 110%"],
          "legend_title": "学校教室利用率", "pupils_n": "{n} 名学生",
          "boarding_flow": "寄宿生流向", "level.primary": "小学", "level.junior": "初中",
          "km": "公里"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_png(layers(), tmp_path / "zh.png", "示例县", labels=zh)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:3]
