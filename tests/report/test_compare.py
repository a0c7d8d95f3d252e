"""`allocator compare`: scenario files and result folders side by side; outputs, the pupils
whose school changes, atomic writing, bad input, and the HTML page in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.io.result_folder import load_result
from allocator.model.loading import load_scenario
from allocator.report.compare import Run, run_figures
from tests.conftest import block, school

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
P = {g: 10 for g in range(1, 7)}


def county(name: str, layout: list | None = None) -> dict:
    """Two primaries 3 km apart and a junior school; block b1 attends A today."""
    teachers = [{"id": f"T{i}", "school": s, "subject": "pe" if i % 3 == 0 else "math",
                 "level": "primary", "degree": "bachelor", "backbone": i % 4 == 0}
                for i, s in enumerate(["A"] * 4 + ["B"] * 4)]
    return {"name": name, "crs": "EPSG:32649",
            "schools": [school("A", 0, teaching_area_m2=300, annual_fixed_cost=400000),
                        school("B", 3000, beds=100, teaching_area_m2=400),
                        school("J", 1500, kind="junior", beds=50)],
            "blocks": [block("b1", 200, grades={**P, 7: 15}, current_school={"primary": "A"}),
                       block("b2", 2900, grades=P, current_school={"primary": "B"})],
            "teachers": teachers, "layout": layout or [],
            "options": {"time_limit_s": 5, "workers": 2}}


def write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    """base (a result folder), close-A and merge-A (scenario files solved on the fly)."""
    tmp = tmp_path_factory.mktemp("cmp")
    base = write(tmp / "base.json", county("base"))
    r = runner.invoke(app, ["solve", str(base), "-o", str(tmp / "base"), "-q"])
    assert r.exit_code == 0, r.output
    write(tmp / "close-a.json", county("close-a", [{"op": "close", "school": "A"}]))
    write(tmp / "merge-a.json", county("merge-a", [{"op": "merge", "from": ["A"],
                                                    "into": "B"}]))
    r = runner.invoke(app, ["compare", str(tmp / "base"), str(tmp / "close-a.json"),
                            str(tmp / "merge-a.json"), "-o", str(tmp / "out"), "-q"])
    assert r.exit_code == 0, r.output
    assert "pupils changing school 60" in " ".join(r.output.split())
    return tmp / "out"


def test_outputs_and_runs_solved_here(compared):
    names = {p.name for p in compared.iterdir()}
    assert names == {"compare.md", "compare.html", "compare.xlsx", "kpis.csv",
                     "changes_blocks.csv", "changes_pairs.csv", "schools.csv",
                     "closure_blocks.csv", "township_boarding.csv", "runs"}
    assert {p.name for p in (compared / "runs").iterdir()} == {"close-a", "merge-a"}
    for run in ("close-a", "merge-a"):
        assert (compared / "runs" / run / "scenario.json").exists()
        assert load_result(compared / "runs" / run).status == "optimal"
    leftovers = [p.name for p in compared.parent.iterdir() if p.name.startswith(".out")]
    assert leftovers == []


def test_compare_xlsx_holds_the_csv_tables(compared):
    wb = openpyxl.load_workbook(compared / "compare.xlsx")
    kpis = pd.read_csv(compared / "kpis.csv")
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == list(kpis.columns)
    assert ws.max_row == len(kpis) + 1
    assert ws.freeze_panes == "A2"
    assert len(wb.worksheets) == 4
    pairs = pd.read_csv(compared / "changes_pairs.csv")
    assert wb.worksheets[3].max_row == len(pairs) + 1


def test_every_kpi_of_every_run_is_a_row(compared):
    kpis = pd.read_csv(compared / "kpis.csv")
    assert list(kpis.columns[3:]) == ["base", "close-a", "merge-a"]
    for run in ("close-a", "merge-a"):
        res = load_result(compared / "runs" / run)
        figs = run_figures(Run(run, "", load_scenario(compared / "runs" / run /
                                                      "scenario.json"), res))
        assert set(figs) <= set(kpis["key"]), set(figs) - set(kpis["key"])
    row = kpis.set_index("key")  # mixed columns (status is text): numbers read as text
    assert float(row.at["open_schools", "base"]) == 3
    assert float(row.at["open_schools", "close-a"]) == 2
    assert float(row.at["funding.fixed_cost_yuan", "base"]) == 400000
    assert float(row.at["funding.fixed_cost_yuan", "merge-a"]) == 0  # A's fixed cost saved
    assert "balance.primary.cv.teaching_area_m2" in row.index


def test_pupils_whose_school_changes(compared):
    pairs = pd.read_csv(compared / "changes_pairs.csv")
    got = {(r.run, r.from_school, r.to_school): r.pupils for r in pairs.itertuples()}
    assert got == {("close-a", "A", "B"): 60, ("merge-a", "A", "B"): 60}
    blocks = pd.read_csv(compared / "changes_blocks.csv")
    (b,) = blocks[blocks["run"] == "close-a"].itertuples()
    assert (b.block, b.level, b.grades, b.pupils) == ("b1", "primary", "1-6", 60)
    assert b.km_before == pytest.approx(0.2) and b.km_after == pytest.approx(2.8)
    schools = pd.read_csv(compared / "schools.csv").set_index(["school", "run"])
    assert schools.at[("A", "close-a"), "status"] == "closed"
    assert schools.at[("A", "merge-a"), "status"] == "merged into B"
    assert schools.at[("B", "merge-a"), "enrolment"] == 120
    md = (compared / "compare.md").read_text(encoding="utf-8")
    assert "| close-a | A | B | 60 | 1 |" in md and "merged into B" in md


def test_html_is_self_contained(compared):
    text = (compared / "compare.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b", text)
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    assert text.count("<svg") >= 8


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is absent (apt-get install chromium); "
                    ".ci/run installs it")
def test_comparison_page_shows_every_kpi_in_chromium(compared):
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--virtual-time-budget=3000", "--dump-dom",
         (compared / "compare.html").as_uri()], capture_output=True, text=True, timeout=90)
    dom = out.stdout
    assert "<h1>Layout comparison: base / close-a / merge-a</h1>" in dom, out.stderr[-2000:]
    kpis = pd.read_csv(compared / "kpis.csv")
    for key, label in zip(kpis["key"], kpis["label"], strict=True):
        m = re.search(rf'<tr data-key="{re.escape(html.escape(key))}"><th>([^<]*)</th>', dom)
        assert m, f"KPI {key} missing from the page"
        assert html.unescape(m.group(1)) == label
    assert dom.count("<svg") >= 8 and dom.count("<rect") > 40
    assert 'data-school="A"' in dom and "merged into B" in dom


def test_bad_inputs_exit_2_before_anything_is_solved(tmp_path, monkeypatch):
    import allocator.study as study

    calls = []
    real = study.solve
    monkeypatch.setattr(study, "solve", lambda *a, **k: calls.append(1) or real(*a, **k))
    good = write(tmp_path / "good.json", county("good"))
    bad = write(tmp_path / "bad.json", county("bad", [
        {"op": "close", "school": "B"}, {"op": "merge", "from": ["A"], "into": "B"}]))
    out = tmp_path / "out"
    r = runner.invoke(app, ["compare", str(good), str(bad), "-o", str(out), "-q"])
    text = " ".join(r.output.split())
    assert r.exit_code == 2 and "bad.json" in text and "layout[1] (merge)" in text
    assert calls == [] and not out.exists() and "Traceback" not in r.output
    r = runner.invoke(app, ["compare", str(good), "-o", str(out)])
    assert r.exit_code == 2 and "at least two" in r.output
    empty = tmp_path / "folder"
    empty.mkdir()
    r = runner.invoke(app, ["compare", str(good), str(empty), "-o", str(out)])
    assert r.exit_code == 2 and "not a readable result folder" in " ".join(r.output.split())
    r = runner.invoke(app, ["compare", str(good), str(tmp_path / "nope.json"), "-o", str(out)])
    assert r.exit_code == 2 and "file not found" in r.output
    assert calls == [] and not out.exists()


def test_existing_output_is_replaced_whole(compared, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.csv").write_text("old")
    base = compared / "runs" / "close-a"
    r = runner.invoke(app, ["compare", str(base), str(compared / "runs" / "merge-a"), "-o",
                            str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert not (out / "stale.csv").exists() and (out / "compare.html").exists()
    assert not (out / "runs").exists()  # both inputs were result folders
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
