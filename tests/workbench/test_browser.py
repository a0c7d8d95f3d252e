"""The workbench in headless Chromium: the planner's path through the page, in Chinese (the
whole walk) and English (bad input, cancel, then a solve with a roster and the report), plus
hand edits in both languages and the token prompt. Solves use 2 s time limits; screenshots go
to /work/notes/shots. The English walk and English hand edits are `slow` (-m slow): the
default suite runs the Chinese ones (about 60 s of browser time)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

from allocator import load_scenario, translate, write_template
from tests.workbench.conftest import serve, shoot

RURAL = Path(__file__).parents[2] / "scenarios" / "rural-county.json"
ROTATION = Path(__file__).parents[2] / "scenarios" / "teacher-rotation.json"
SOLVE_WAIT_MS = 120_000


def http(server, path: str, body: dict | None = None) -> tuple[int, dict]:
    """(status, JSON body) of a request to the live server."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def solved_job(server) -> str:
    """The id of a finished 2 s solve of the rural example, submitted over HTTP."""
    scenario = json.loads(RURAL.read_text(encoding="utf-8"))
    status, job = http(server, "/v1/jobs?time_limit=2", scenario)
    assert status == 202
    end = time.monotonic() + 120
    while job["status"] not in ("done", "failed", "cancelled") and time.monotonic() < end:
        time.sleep(0.2)
        job = http(server, f"/v1/jobs/{job['id']}")[1]
    assert job["status"] == "done", job
    return job["id"]


def boundary_file(folder: Path) -> Path:
    """A county outline (GeoJSON): the rectangle around the rural example's schools."""
    xs, ys = zip(*(s["location"] for s in json.loads(RURAL.read_text("utf-8"))["schools"]),
                 strict=True)
    ring = [[min(xs), min(ys)], [max(xs), min(ys)], [max(xs), max(ys)], [min(xs), max(ys)],
            [min(xs), min(ys)]]
    path = folder / "county.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "county"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}), encoding="utf-8")
    return path


def solve_on_page(page, seconds: str = "2") -> None:
    page.click("#tabs button[data-tab=solve]")
    page.fill("#time-limit", seconds)
    page.click("#solve-button")
    page.locator("#result-body").wait_for(state="visible", timeout=SOLVE_WAIT_MS)
    page.wait_for_function("document.querySelectorAll('#map [data-school]').length > 0")


def download(page, selector: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    info.value.save_as(target)
    return target


def test_full_walk_in_chinese(open_page, live_server, tmp_path):
    workbook = write_template(tmp_path / "rural.xlsx", load_scenario(RURAL), "zh-CN")
    page, _ = open_page("zh-CN")
    assert page.locator("header h1").inner_text() == "学校布局规划工作台"
    assert page.locator("#lang").input_value() == "zh-CN"
    page.set_input_files("#scenario-file", str(workbook))
    page.locator("#scenario-summary").wait_for(state="visible")
    assert "48 所学校" in page.locator("#scenario-facts").inner_text()
    page.set_input_files("#boundary-file", str(boundary_file(tmp_path)))  # context layer
    page.locator("#notice").get_by_text("county.geojson").wait_for()
    shoot(page, "zh-1-data")

    solve_on_page(page)
    cards = page.locator("#kpis .card")
    assert cards.count() == 13 and "学生数" in page.locator("#kpis").inner_text()
    assert page.locator("#map [data-school]").count() == 48
    assert page.locator("#map [data-block]").count() == 640
    assert page.locator("#map path[stroke-dasharray='6 4']").count() == 1  # the boundary
    assert page.locator("#schools-table tbody tr").count() == 48
    page.locator("#schools-table tbody tr").first.click()  # the row shows its school
    page.locator(".leaflet-popup-content").wait_for(state="visible")
    assert "城关第一小学" in page.locator(".leaflet-popup-content").inner_text()
    shoot(page, "zh-3-result")
    page.click("#tabs button[data-tab=solve]")
    assert page.locator("#p-status").inner_text() == "已完成"
    shoot(page, "zh-2-solve")
    page.click("#tabs button[data-tab=result]")
    page.emulate_media(media="print")
    shoot(page, "zh-6-print")
    page.emulate_media(media="screen")

    # the closure question: close a village school, solve the variant, compare with the base
    page.click("#tabs button[data-tab=layout]")
    page.locator("#layout-schools tr[data-school=S013] button[data-op=close]").click()
    assert "撤销 S013" in page.locator("#layout-ops").inner_text()
    shoot(page, "zh-4-layout")
    page.click("#layout-solve")
    page.locator("#compare-out").wait_for(state="visible", timeout=SOLVE_WAIT_MS)
    frame = page.frame_locator("#compare-frame")
    frame.get_by_text("S013").first.wait_for()
    [base, variant] = page.evaluate("document.body.dataset.compared").split(",")
    changes = http(live_server, "/v1/compare", {"jobs": [base, variant]})[1]
    assert changes["blocks"] and {b["from_school"] for b in changes["blocks"]} >= {"S013"}
    shoot(page, "zh-5-compare")

    # compare two jobs picked by hand: the variant first (the base of the comparison)
    boxes = page.locator("#jobs-table input[type=checkbox]")
    assert boxes.count() == 2
    for i in range(2):
        boxes.nth(i).uncheck()
    assert page.locator("#compare-button").is_disabled()
    boxes.nth(0).check()  # the newest job, the variant, becomes the base
    boxes.nth(1).check()
    page.click("#compare-button")
    page.wait_for_function(f"document.body.dataset.compared === '{variant},{base}'")
    page.frame_locator("#compare-frame").get_by_text("调整方案").first.wait_for()

    page.click("#tabs button[data-tab=result]")
    report = download(page, "#downloads button[data-download='wb.dl.report']",
                      tmp_path / "report.xlsx")
    wb = load_workbook(report, read_only=True)
    assert translate("excel.sheet.schools", "zh-CN") in wb.sheetnames
    rows = list(wb[translate("excel.sheet.schools", "zh-CN")].iter_rows(values_only=True))
    assert any("S001" in [str(v) for v in row] for row in rows)


@pytest.mark.slow  # the shorter English walk (~50 s): the Chinese one runs by default
def test_bad_input_then_a_solve_in_english(open_page, live_server, tmp_path):
    jobs_before = len(http(live_server, "/v1/jobs")[1]["jobs"])
    page, _ = open_page("en-GB")
    assert page.locator("#lang").input_value() == "en"
    bad = write_template(tmp_path / "bad.xlsx", load_scenario(RURAL), "en")
    wb = load_workbook(bad)
    sheet = wb[translate("template.sheet.schools", "en")]
    sheet.cell(row=3, column=9, value="about 12")  # text in the classrooms column
    wb.save(bad)
    page.set_input_files("#scenario-file", str(bad))
    page.locator("#findings").wait_for(state="visible")
    found = page.locator("#findings-table tbody").inner_text()
    assert "row 3" in found and "about 12" in found
    assert page.locator("#solve-button").is_disabled()
    shoot(page, "en-1-findings")
    not_scenario = tmp_path / "other.json"
    not_scenario.write_text('{"hello": 1}', encoding="utf-8")
    page.set_input_files("#scenario-file", str(not_scenario))
    page.wait_for_function("document.querySelector('#findings-table tbody').textContent"
                           ".includes('schools')")
    broken = tmp_path / "broken.json"
    broken.write_text('{"schools": [', encoding="utf-8")
    page.set_input_files("#scenario-file", str(broken))
    page.wait_for_function("document.querySelector('#findings-table tbody').textContent"
                           ".includes('not valid JSON')")
    assert len(http(live_server, "/v1/jobs")[1]["jobs"]) == jobs_before  # nothing solved

    page.set_input_files("#scenario-file", str(ROTATION))  # with a roster: teachers shown
    page.locator("#scenario-summary").wait_for(state="visible")
    page.click("#tabs button[data-tab=solve]")  # a long solve, cancelled while it runs
    page.fill("#time-limit", "30")
    page.click("#solve-button")
    page.wait_for_function("document.querySelector('#p-status').textContent === 'running'")
    page.click("#cancel-button")
    page.wait_for_function("document.querySelector('#p-status').textContent === 'cancelled'")
    assert page.locator("#result-body").is_hidden()
    solve_on_page(page)
    assert "Pupils" in page.locator("#kpis").inner_text()
    assert page.locator("#teachers-part").is_visible()
    assert page.locator("#moves-table tbody tr").count() >= 1
    assert "Eligible teachers" in page.locator("#quota").inner_text()
    shoot(page, "en-2-result")
    page.select_option("#lang", "zh-CN")  # the switch relabels the page and the result
    assert page.locator("#tabs button[data-tab=result]").inner_text() == "结果"
    assert "学生数" in page.locator("#kpis").inner_text()
    page.select_option("#lang", "en")
    report = download(page, "#downloads button[data-download='wb.dl.report']",
                      tmp_path / "report.xlsx")
    assert translate("excel.sheet.schools", "en") in load_workbook(report).sheetnames


@pytest.mark.parametrize("lang", ["zh-CN", pytest.param("en", marks=pytest.mark.slow)])
def test_hand_edits_change_the_kpis_and_resolve_locked(open_page, live_server, lang):
    job = solved_job(live_server)
    assert http(live_server, f"/v1/jobs/{job}/edits")[0] == 200
    page, _ = open_page(lang, f"/#job={job}")
    page.locator("#result-body").wait_for(state="visible")
    page.wait_for_function("document.querySelectorAll('#map [data-block]').length > 0")
    assert page.locator("#edit-bar").is_visible()
    result = http(live_server, f"/v1/jobs/{job}/result")[1]
    block = next(a["block"] for a in result["students"]["assignments"]
                 if a["level"] == "primary")
    page.locator(f"#map [data-block='{block}']").dispatch_event("click")
    page.locator("#block-panel").wait_for(state="visible")
    choice = page.locator("#options-table button[data-school]").first
    school = choice.get_attribute("data-school")
    choice.click()
    page.locator("#kpis .card .delta").first.wait_for(state="visible")
    assert "1" in page.locator("#edit-count").inner_text()
    shoot(page, f"{lang}-7-edits")
    page.click("#resolve-button")
    page.wait_for_function(f"!location.hash.includes('{job}')", timeout=SOLVE_WAIT_MS)
    new_job = page.evaluate("location.hash").split("=")[1]
    scenario = http(live_server, f"/v1/jobs/{new_job}/scenario")[1]
    assert {"block": block, "level": "primary", "school": school} in scenario["options"]["locked"]
    resolved = http(live_server, f"/v1/jobs/{new_job}/result")[1]
    assert [a["school"] for a in resolved["students"]["assignments"]
            if a["block"] == block and a["level"] == "primary"] == [school]


def test_the_page_asks_for_a_token_and_sends_it(open_page, tmp_path):
    with serve(tmp_path / "store", tokens="county-7") as server:
        page, _ = open_page("en", "/", server)
        assert page.locator("#token-button").is_visible()
        page.click("#template-download")  # the first call to /v1 needs the token
        page.locator("#token-dialog").wait_for(state="visible")
        shoot(page, "en-0-token")
        page.fill("#token-input", "wrong")
        page.click("#token-ok")
        page.locator("#token-dialog").wait_for(state="visible")  # refused: asked again
        with page.expect_download() as info:
            page.fill("#token-input", "county-7")
            page.click("#token-ok")
        info.value.save_as(tmp_path / "template.xlsx")
        assert translate("template.sheet.schools", "en") in load_workbook(
            tmp_path / "template.xlsx").sheetnames
        assert page.evaluate("sessionStorage.getItem('workbench.token')") == "county-7"
