"""`allocator map`: GIS layers read by GDAL's ogrinfo, the PNG, and the offline HTML map in
headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.io.generate import generate_county

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OGRINFO = shutil.which("ogrinfo")


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """A small generated county (lon/lat, point blocks) solved into a result folder."""
    tmp = tmp_path_factory.mktemp("map")
    data = generate_county(schools=8, blocks=80, seed=3)
    data["options"] = {"time_limit_s": 3, "workers": 2}
    sc = tmp / "county.json"
    sc.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["solve", str(sc), "-o", str(tmp / "out"), "-q"])
    assert r.exit_code == 0, r.output
    assert (tmp / "out" / "scenario.json").exists()
    return tmp / "out"


def map_to(result_dir: Path, target: Path, *extra: str):
    r = runner.invoke(app, ["map", str(result_dir), "-o", str(target), *extra])
    r.text = " ".join(r.output.split())  # the console wraps long lines
    return r


def test_gpkg_has_four_layers_with_attributes(solved, tmp_path):
    target = tmp_path / "m.gpkg"
    r = map_to(solved, target)
    assert r.exit_code == 0, r.output
    cat = gpd.read_file(target, layer="catchments")
    assert {"school", "level", "pupils", "boarders", "area_km2", "parts"} <= set(cat.columns)
    assert (cat["parts"] >= 1).all() and (cat["area_km2"] > 0).all()
    res = json.loads((solved / "result.json").read_text())
    primary = sum(a["pupils"] for a in res["students"]["assignments"]
                  if a["level"] == "primary")
    assert cat.loc[cat["level"] == "primary", "pupils"].sum() == primary
    schools = gpd.read_file(target, layer="schools")
    assert {"utilisation", "enrolment", "max_class_size", "beds"} <= set(schools.columns)
    blocks = gpd.read_file(target, layer="blocks")
    assert {"primary_school", "primary_km", "junior_school", "junior_km"} <= set(blocks.columns)
    assert len(blocks) == 80
    assert [p.name for p in tmp_path.iterdir()] == ["m.gpkg"]  # no temporary files left


@pytest.mark.skipif(OGRINFO is None, reason="GDAL's ogrinfo is absent (apt-get install "
                    "gdal-bin); .ci/run installs it")
@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_ogrinfo_reads_the_layers(solved, tmp_path, suffix):
    target = tmp_path / f"m{suffix}"
    assert map_to(solved, target).exit_code == 0
    files = sorted(tmp_path.iterdir())
    if suffix == ".geojson":
        assert [p.name for p in files] == ["m-blocks.geojson", "m-flows.geojson",
                                           "m-schools.geojson", "m.geojson"]
    for f in files:
        out = subprocess.run([OGRINFO, "-ro", "-al", "-so", str(f)], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "Feature Count" in out.stdout
    summary = subprocess.run([OGRINFO, "-ro", "-so", str(target)], capture_output=True,
                             text=True, timeout=60).stdout
    if suffix == ".gpkg":
        for layer in ("catchments", "schools", "blocks", "flows"):
            assert layer in summary


def test_png_is_written(solved, tmp_path):
    target = tmp_path / "m.png"
    r = map_to(solved, target)
    assert r.exit_code == 0, r.output
    head = target.read_bytes()[:8]
    assert head == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 50_000


def test_html_is_self_contained(solved, tmp_path):
    target = tmp_path / "m.html"
    assert map_to(solved, target).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text)
    assert "url(http" not in text and "url(images/" not in text
    assert "BSD 2-Clause" in text and "leaflet-popup" in text


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is absent (apt-get install chromium); "
                    ".ci/run installs it")
def test_html_map_shows_catchments_and_popups_in_chromium(solved, tmp_path):
    target = tmp_path / "m.html"
    assert map_to(solved, target).exit_code == 0
    res = json.loads((solved / "result.json").read_text())
    first = res["schools"][0]
    url = f"{target.as_uri()}#school={first['id']}"
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--virtual-time-budget=5000",
         "--dump-dom", url], capture_output=True, text=True, timeout=90)
    dom = out.stdout
    assert 'data-ready="1"' in dom, out.stderr[-2000:]
    primary = {a["school"] for a in res["students"]["assignments"] if a["level"] == "primary"}
    assert dom.count("catchment leaflet-interactive") == len(primary)
    assert dom.count("school leaflet-interactive") == len(res["schools"])
    popup = re.search(r'class="leaflet-popup-content"[^>]*>(.*?)</table>', dom, re.S)
    assert popup, "no popup opened"
    text = popup.group(1)
    assert first["id"] in text
    assert f"{first['enrolment']} / cap" in text and "max class size" in text
    assert f"{first['boarders']} / {first['beds']}" in text


def test_map_errors_exit_2_without_partial_files(solved, tmp_path):
    r = map_to(solved, tmp_path / "m.svg")
    assert r.exit_code == 2 and "unknown map kind" in r.text
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(solved / "result.json", bare / "result.json")
    r = map_to(bare, tmp_path / "m.png")
    assert r.exit_code == 2 and "--scenario" in r.text
    other = tmp_path / "other.json"
    data = generate_county(schools=4, blocks=10, seed=9)
    other.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = map_to(bare, tmp_path / "m.png", "--scenario", str(other))
    assert r.exit_code == 2 and "not in the scenario" in r.text
    assert "Traceback" not in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare", "other.json"]
