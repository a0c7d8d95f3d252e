"""The workbench's server side through FastAPI's TestClient: the page and its assets, its
texts in both languages, its settings, the Excel template download and import (findings
naming sheet, row and column), and the job outputs the page downloads."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from allocator import LANGUAGES, load_scenario, translate, write_template
from allocator.i18n import catalog
from api.app import create_app
from api.routes.workbench import ASSETS
from tests.api.test_api import example, make_settings
from tests.api.test_api_jobs import wait_for

RURAL = Path(__file__).parents[2] / "scenarios" / "rural-county.json"
# keys the page builds from a value (`wb.status.${status}` ...) and the values they take
DYNAMIC_KEYS = {
    "wb.status.": ("optimal", "feasible", "infeasible", "error"),
    "wb.job.": ("queued", "running", "done", "failed", "cancelled"),
    "wb.severity.": ("error", "warning"),
    "wb.level.": ("primary", "junior"),
    "wb.map.catchments_": ("primary", "junior"),
    "wb.invest.": ("classrooms", "beds"),
}


def page_keys() -> set[str]:
    """Every catalog key the page's HTML and scripts name, the built ones expanded."""
    html = (ASSETS / "index.html").read_text(encoding="utf-8")
    keys = set(re.findall(r'data-i18n="([^"]+)"', html))
    for script in ASSETS.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        keys |= set(re.findall(r'"(wb\.[a-z0-9_.]+)"', text))
        for prefix in re.findall(r"`(wb\.[a-z0-9_.]+)\$\{", text):
            assert prefix in DYNAMIC_KEYS, f"{script.name}: built key {prefix}… not listed"
            keys |= {prefix + value for value in DYNAMIC_KEYS[prefix]}
    return keys


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        yield c


def test_page_and_its_assets_are_served_without_a_network(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/workbench/static/main.js" in page.text and "/workbench/leaflet/leaflet.js" in page.text
    for name in ("main.js", "api.js", "map.js", "result.js", "edits.js", "style.css"):
        asset = client.get(f"/workbench/static/{name}")
        assert asset.status_code == 200, name
        assert not re.search(r"https?://", asset.text), f"{name} reaches another host"
    assert client.get("/workbench/leaflet/leaflet.js").status_code == 200
    assert client.get("/workbench/static/nothing.js").status_code == 404


def test_every_page_key_has_both_languages():
    texts = catalog()
    keys = page_keys()
    assert len(keys) > 150
    for key in sorted(keys):
        assert key in texts, f"{key} is not in a catalog"
        for lang in LANGUAGES:
            assert texts[key].get(lang, "").strip(), f"{key} has no {lang} text"


def test_catalog_served_to_the_page_holds_page_keys_and_rule_titles(client):
    body = client.get("/workbench/catalog.json").json()
    assert body["languages"] == list(LANGUAGES)
    texts = body["texts"]
    assert page_keys() <= set(texts)
    assert texts["wb.tab.compare"] == {"en": "Compare", "zh-CN": "方案比较"}
    assert texts["rule.class_size_cap"]["zh-CN"] == translate("rule.class_size_cap", "zh-CN")
    assert not any(k.startswith(("cli.", "api.")) for k in texts)


def test_config_says_a_token_is_needed_and_never_shows_it(tmp_path):
    settings = make_settings(tmp_path, tokens="secret-a", tile_url="http://gis.local/{z}/{x}/{y}.png",
                             tile_gcj02=True)
    with TestClient(create_app(settings)) as c:
        config = c.get("/workbench/config.json")
        assert config.status_code == 200  # the page and its settings need no token
        assert "secret-a" not in config.text
        assert config.json()["tokens"] is True and config.json()["tile_gcj02"] is True
        assert config.json()["tile_url"] == "http://gis.local/{z}/{x}/{y}.png"
        assert c.get("/").status_code == 200
        assert c.get("/v1/template.xlsx").status_code == 401
        ok = c.get("/v1/template.xlsx", headers={"Authorization": "Bearer secret-a"})
        assert ok.status_code == 200


@pytest.mark.parametrize("lang", LANGUAGES)
def test_template_download_in_the_language_asked(client, lang):
    answer = client.get(f"/v1/template.xlsx?lang={lang}")
    assert answer.status_code == 200 and answer.headers["content-language"] == lang
    wb = load_workbook(io.BytesIO(answer.content), read_only=True)
    assert translate("template.sheet.schools", lang) in wb.sheetnames
    by_header = client.get("/v1/template.xlsx", headers={"Accept-Language": lang})
    assert by_header.headers["content-language"] == lang


def test_import_of_a_filled_template_gives_the_scenario(client, tmp_path):
    path = write_template(tmp_path / "rural.xlsx", load_scenario(RURAL), "zh-CN")
    answer = client.post("/v1/scenarios/import", content=path.read_bytes())
    body = answer.json()
    assert answer.status_code == 200 and body["valid"] is True and body["findings"] == []
    original = json.loads(RURAL.read_text(encoding="utf-8"))
    assert body["scenario"]["name"] == original["name"]
    assert [s["id"] for s in body["scenario"]["schools"]] == [s["id"] for s in original["schools"]]
    assert len(body["scenario"]["blocks"]) == len(original["blocks"]) == 640


def test_import_names_sheet_row_and_column_of_a_problem(client, tmp_path):
    path = write_template(tmp_path / "rural.xlsx", load_scenario(RURAL), "zh-CN")
    wb = load_workbook(path)
    wb["学校"].cell(row=3, column=9, value="约12间")  # text in the classrooms column
    wb.save(path)
    body = client.post("/v1/scenarios/import", content=path.read_bytes()).json()
    assert body["valid"] is False and body["scenario"] is None and body["errors"] == 1
    [finding] = body["findings"]
    assert finding["record"] == "sheet '学校' row 3" and finding["field"].startswith("I ")
    assert "约12间" in finding["message"]
    del wb["居住区"]  # a required sheet missing
    wb.save(path)
    body = client.post("/v1/scenarios/import", content=path.read_bytes()).json()
    assert body["valid"] is False
    assert any(f["record"] == "sheet '居住区'" and "missing" in f["message"]
               for f in body["findings"])


@pytest.mark.parametrize("body", [b"not a workbook", json.dumps(example()).encode(), b""])
def test_import_of_something_else_is_a_finding_not_an_error(client, body):
    answer = client.post("/v1/scenarios/import", content=body)
    assert answer.status_code == 200
    assert answer.json()["valid"] is False and answer.json()["findings"]
    assert client.get("/health").json()["status"] == "ok"


def test_job_outputs_for_the_page(client):
    scenario = example()
    job = client.post("/v1/jobs?time_limit=2&stage=students", json=scenario).json()
    assert wait_for(client, job["id"], {"done", "failed"})["status"] == "done"
    base = f"/v1/jobs/{job['id']}"
    assert client.get(f"{base}/scenario").json()["name"] == scenario["name"]
    layers = client.get(f"{base}/layers.json").json()
    assert set(layers) == {"catchments", "schools", "blocks", "flows"}
    assert {f["properties"]["id"] for f in layers["schools"]["features"]} == {
        s["id"] for s in scenario["schools"]}
    assert all(f["properties"]["fill"].startswith("#")
               for f in layers["catchments"]["features"])
    schools = client.get(f"{base}/tables/schools.csv")
    assert schools.status_code == 200 and schools.text.startswith("id,")
    assert len(schools.text.strip().splitlines()) == len(scenario["schools"]) + 1
    assert client.get(f"{base}/tables/rotation.csv").text.startswith("teacher")
    assert client.get(f"{base}/tables/nothing.csv").status_code == 422
    gpkg = client.get(f"{base}/catchments.gpkg")
    assert gpkg.status_code == 200 and gpkg.content.startswith(b"SQLite format 3")
    for lang in LANGUAGES:
        report = client.get(f"{base}/report.xlsx?lang={lang}")
        assert report.headers["content-language"] == lang
        sheets = load_workbook(io.BytesIO(report.content), read_only=True).sheetnames
        assert translate("excel.sheet.schools", lang) in sheets
    assert client.get("/v1/jobs/unknown/report.xlsx").status_code == 404


def test_stage_asked_for_a_job_is_the_stage_solved(client):
    job = client.post("/v1/jobs?time_limit=2&stage=teachers", json=example()).json()
    failed = wait_for(client, job["id"], {"done", "failed"})
    # the example has no roster: the teacher stage alone cannot run, and says why
    assert failed["status"] == "failed"
    assert "roster" in " ".join(f["message"] for f in failed["error"]["findings"])
    assert client.post("/v1/jobs?stage=everything", json=example()).status_code == 422
