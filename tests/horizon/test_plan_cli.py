"""`allocator plan`, `verify PLAN` and `compare PLAN_A PLAN_B` end to end: outputs, exit codes,
bad input (exit 2, the record and field named, nothing written), a broken continuity caught,
and the timeline page in headless Chromium with the network blocked."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.horizon.page import timeline_html
from tests.conftest import school
from tests.horizon.helpers import closing_school_data, opening_school_data, plan_data

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def invoke(*args: str):
    r = runner.invoke(app, [str(a) for a in args])
    r.text = " ".join(r.output.split())
    return r


def write(tmp_path: Path, data: dict, name: str = "s.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("plan")
    data = closing_school_data()
    data["targets"] = [{"id": "moved", "kpi": "schools_over_size_cap", "op": "<=", "value": 0}]
    out = tmp / "plan"
    r = invoke("plan", write(tmp, data), "-o", out, "--time-limit", "5", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "2027: optimal" in r.text and "pupils moved 50" in r.text
    return out


def test_plan_writes_every_year_and_the_timeline(planned):
    for year in (2026, 2027, 2028):
        doc = json.loads((planned / str(year) / "result.json").read_text())
        assert doc["version"] == 3 and doc["horizon"]["year"] == year
        assert (planned / str(year) / "scenario.json").exists()
    timeline = json.loads((planned / "timeline.json").read_text())
    assert timeline["years"] == [2026, 2027, 2028]
    assert [r["pupils_moved"] for r in timeline["rows"]] == [0, 50, 0]
    assert [r["schools_open"] for r in timeline["rows"]] == [1, 1, 1]
    assert timeline["totals"]["pupils_moved"] == 50
    assert len(timeline["targets"]) == 3 and all(t["met"] for t in timeline["targets"])
    csv = (planned / "timeline.csv").read_text().splitlines()
    assert csv[0].startswith("year,status,") and len(csv) == 4
    html = (planned / "timeline.html").read_text(encoding="utf-8")
    assert html.count("<tr data-year=") == 3 and "<svg" in html
    assert '<tr data-year="2027"><td>2027</td>' in html and 'lang="en"' in html
    timeline = json.loads((planned / "timeline.json").read_text())
    zh = timeline_html("示例", timeline["rows"], timeline["targets"], "zh-CN")
    assert "多年规划：示例" in zh and "逐年指标" in zh and "未达成目标" in zh
    assert not re.search(r"(src|href)=\"?https?:", html)


def test_verify_accepts_the_plan_and_catches_a_broken_continuity(planned, tmp_path):
    r = invoke("verify", planned, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "plan verified: 3 years" in r.text
    broken = tmp_path / "broken"
    shutil.copytree(planned, broken)
    path = broken / "2028" / "result.json"
    doc = json.loads(path.read_text())
    for c in doc["horizon"]["cohorts"]:  # a cohort kept at A is claimed to have moved
        if c["grade"] == 4:
            c["school"] = "B"
    path.write_text(json.dumps(doc), encoding="utf-8")
    r = invoke("verify", broken, "--lang", "en")
    assert r.exit_code == 1 and "cohort_continuity" in r.output


def test_verify_catches_a_cohort_moved_while_its_school_stays_open(tmp_path):
    out = tmp_path / "plan"
    assert invoke("plan", write(tmp_path, opening_school_data()), "-o", out).exit_code == 0
    path = out / "2027" / "result.json"
    doc = json.loads(path.read_text())
    unit = next(c["unit"] for c in doc["horizon"]["cohorts"] if c["grade"] == 3)
    for c in doc["horizon"]["cohorts"]:
        if c["unit"] == unit:
            c["school"] = "N"
    for a in doc["students"]["assignments"]:
        if a["block"] == unit:
            a["school"] = "N"
    path.write_text(json.dumps(doc), encoding="utf-8")
    r = invoke("verify", out)
    assert r.exit_code == 1
    assert "though its school stays open" in r.text


def test_compare_plan_folders(planned, tmp_path):
    other = tmp_path / "other"
    assert invoke("plan", write(tmp_path, opening_school_data()), "-o", other,
                  "--years", "2026-2027").exit_code == 0
    out = tmp_path / "cmp"
    r = invoke("compare", planned, other, "-o", out, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "plan: pupil-km" in r.text and "pupils moved 50.0" in r.text
    totals = (out / "totals.csv").read_text().splitlines()
    assert totals[0] == "plan,pupil_km,pupils_moved,annual_cost_yuan,targets_missed"
    assert len((out / "compare.csv").read_text().splitlines()) == 1 + 3 + 2
    r = invoke("compare", planned, planned / "2026", "-o", tmp_path / "mixed")
    assert r.exit_code == 2 and not (tmp_path / "mixed").exists()


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d["layout"][0].__setitem__("year", 2035),
     "layout[0] (close), field 'year': 2035 is outside the plan's years 2026-2028"),
    (lambda d: d["layout"].append({"op": "expand", "school": "B", "classrooms": 2,
                                   "year": 2028}),
     "layout[1] (expand), field 'school': school 'B' is closed (by layout[0] (close))"),
    (lambda d: d.__setitem__("targets", [{"kpi": "happiness", "op": ">=", "value": 1}]),
     "targets[0], field 'kpi': unknown KPI 'happiness'"),
    (lambda d: d["blocks"][0]["students_by_year"].pop("2027"),
     "block 'b', field 'students_by_year': no pupils for 2027; fill them with `allocator "
     "project`"),
    (lambda d: d["policy"].__setitem__("by_year", {"2027": {"class_size_cap.primary": -4}}),
     "policy.by_year, field '2027'"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, change, says):
    data = closing_school_data()
    data["policy"] = {}
    change(data)
    out = tmp_path / "plan"
    r = invoke("plan", write(tmp_path, data), "-o", out, "--years", "2026-2028")
    assert r.exit_code == 2, r.output
    assert says in r.text, r.text
    assert "Traceback" not in r.output and not out.exists()


def test_plan_needs_years(tmp_path):
    data = closing_school_data()
    for b in data["blocks"]:
        del b["students_by_year"]
    r = invoke("plan", write(tmp_path, data), "-o", tmp_path / "p")
    assert r.exit_code == 2 and "students_by_year" in r.text
    r = invoke("plan", write(tmp_path, data), "-o", tmp_path / "p", "--years", "2031-2026")
    assert r.exit_code == 2 and not (tmp_path / "p").exists()


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is absent (apt-get install chromium); "
                    ".ci/run installs it")
def test_timeline_page_in_headless_chromium_offline(planned, tmp_path):
    page = planned / "timeline.html"
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--enable-logging=stderr", "--v=0",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
         "--proxy-server=http://127.0.0.1:9", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=90)
    dom = out.stdout
    assert dom.count("<tr data-year=") == 3, out.stderr[-2000:]
    assert dom.count("<svg") == 6
    console = [ln for ln in out.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert console == []


def test_plan_with_a_choose_verifies(tmp_path):
    from tests.conftest import school
    from tests.horizon.helpers import YEARS, cohort_block, plan_data, primary

    grades = {y: primary(10) for y in YEARS}
    data = plan_data(
        [school("A", 0), school("B", 1000), school("C", 10000)],
        [cohort_block("a", 0, grades), cohort_block("c", 10000, grades),
         cohort_block("m", 1000, {y: primary(1) for y in YEARS},
                      current_school={"primary": "B"})],
        layout=[{"op": "choose", "candidates": ["A", "B", "C"], "keep": 2, "year": 2027}])
    out = tmp_path / "plan"
    assert invoke("plan", write(tmp_path, data), "-o", out).exit_code == 0
    r = invoke("verify", out, "--lang", "en")
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "2027" / "result.json").read_text())
    moved = {c["grade"]: c["status"] for c in doc["horizon"]["cohorts"] if c["block"] == "m"}
    assert moved == {1: "new", **dict.fromkeys(range(2, 7), "moved")}  # B was not kept


def test_plan_never_replaces_a_folder_that_is_not_a_plan(tmp_path):
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine", encoding="utf-8")
    r = invoke("plan", write(tmp_path, closing_school_data()), "-o", keep)
    assert r.exit_code == 2 and "holds no plan" in r.text
    assert [p.name for p in keep.iterdir()] == ["notes.txt"]


def test_whole_continuity_verifies_and_a_second_move_is_caught(tmp_path):
    out = tmp_path / "plan"
    assert invoke("plan", write(tmp_path, opening_school_data("whole")), "-o",
                  out).exit_code == 0
    assert invoke("verify", out).exit_code == 0
    path = out / "2028" / "result.json"
    doc = json.loads(path.read_text())
    unit = next(c["unit"] for c in doc["horizon"]["cohorts"] if c["grade"] == 4)
    for c in doc["horizon"]["cohorts"]:  # cohorts moved to N in 2027 sent back to A
        if c["unit"] == unit:
            c["school"] = "A"
    for a in doc["students"]["assignments"]:
        if a["block"] == unit:
            a["school"] = "A"
    path.write_text(json.dumps(doc), encoding="utf-8")
    r = invoke("verify", out)
    assert r.exit_code == 1 and "(moved a second time)" in r.text


def test_plan_projects_enrolment_first_with_project(tmp_path):
    """--project fills students_by_year from births before planning: grade 1 follows the
    township's births six years earlier (20 then 10 children), the other grades move up
    whole (urban), the plan folder keeps the projected scenario and projection.csv."""
    data = plan_data([school("A", 0, kind="nine_year", rooms=40)],
                     [{"id": "b", "location": [500.0, 0.0], "township": "T", "urban": True,
                       "students": [20] * 6 + [0] * 3}],
                     year=2025, births=[{"township": "T", "year": 2020, "births": 20},
                                        {"township": "T", "year": 2021, "births": 10}])
    out = tmp_path / "plan"
    r = invoke("plan", write(tmp_path, data), "-o", out, "--years", "2026-2027",
               "--project", "--time-limit", "5", "--lang", "en")
    assert r.exit_code == 0, r.output
    projected = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    by_year = projected["blocks"][0]["students_by_year"]
    assert by_year["2026"][:2] == [20, 20] and by_year["2027"][:2] == [10, 20]
    rows = (out / "projection.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "year,township,primary,junior,grade_1,total"
    pupils = [json.loads((out / y / "result.json").read_text())["kpis"]["pupils"]
              for y in ("2026", "2027")]
    assert pupils == [140, 150]


def test_plan_project_needs_years(tmp_path):
    r = invoke("plan", write(tmp_path, closing_school_data()), "-o", tmp_path / "p",
               "--project")
    assert r.exit_code == 2 and "--project needs --years" in r.text
    assert not (tmp_path / "p").exists()
