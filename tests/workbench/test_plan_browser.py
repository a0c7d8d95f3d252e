"""The workbench's multi-year plan in headless Chromium: upload the phased-consolidation
example (pupils for 2026-2031), tick the plan option, solve with 1 s a year and see one
timeline row per school year, the timeline page in its frame and no console error."""

from __future__ import annotations

from pathlib import Path

from tests.workbench.conftest import SHOTS, shoot

PHASED = Path(__file__).parents[2] / "scenarios" / "phased-consolidation" / "scenario.json"
YEARS = [str(y) for y in range(2026, 2032)]


def test_plan_of_six_years_shows_one_timeline_row_per_year(open_page):
    page, _ = open_page("en-GB")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    assert page.locator("#plan-option").is_hidden()
    page.set_input_files("#scenario-file", str(PHASED))
    page.locator("#scenario-summary").wait_for(state="visible")
    page.click("#tabs button[data-tab=solve]")
    assert page.locator("#plan-option").is_visible()
    assert page.input_value("#plan-years") == "2026-2031"
    page.check("#plan")
    page.fill("#time-limit", "1")
    page.click("#solve-button")
    page.locator("#timeline-body").wait_for(state="visible", timeout=120_000)
    page.wait_for_selector("body[data-timeline]")
    rows = page.locator("#timeline-table tbody tr")
    assert [rows.nth(i).get_attribute("data-year") for i in range(rows.count())] == YEARS
    assert page.locator("#timeline-table thead th").first.text_content() == "school year"
    frame = page.frame_locator("#timeline-frame")
    assert frame.locator("tr[data-year]").count() == len(YEARS)
    with page.expect_download() as info:
        rows.nth(1).locator("button").click()
    assert info.value.suggested_filename.endswith("-2027-result.json")
    assert rows.nth(0).locator("td").first.text_content() == "2026"
    page.select_option("#lang", "zh-CN")
    assert page.locator("#timeline-table thead th").first.text_content() == "学年"
    frame.locator("html[lang=zh-CN]").wait_for(state="attached")
    page.locator("#timeline-frame").screenshot(path=str(SHOTS / "plan-timeline-frame.png"))
    shoot(page, "plan-timeline")
    assert errors == []
