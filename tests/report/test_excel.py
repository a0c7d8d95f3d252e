"""The Excel report of a result (`allocator export`): sheets, headers, cells, formats and
the over-capacity colour, in Chinese and English, opened with openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from allocator import export_workbook, load_scenario, scenario_text, solve, write_result
from allocator.cli.main import app
from tests.conftest import block, scenario, school
from tests.rotation_helpers import county, staff

runner = CliRunner()


@pytest.fixture(scope="module")
def crowded():
    """One school with one classroom and 60 first-graders beside it: two classes of 30 in
    one room, so rule `classrooms` is broken by 1."""
    sc = scenario([school("A", 0, rooms=1, name="甲小学")],
                  [block("b1", 100, grades={1: 60})], options={"time_limit_s": 3})
    return solve(sc, stage="students", time_limit=3)


@pytest.fixture(scope="module")
def rotated():
    """Two primaries: X has 12 teachers for 114 pupils, Y 2 for 114; the rotation moves
    teachers to Y."""
    sc = county([school("X", 0, urban=True), school("Y", 5000)], {"X": 114, "Y": 114},
                staff("X", "X", 12, years=8) + staff("Y", "Y", 2))
    return solve(sc, time_limit=5)


def rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_chinese_report_sheets_headers_and_cells(crowded, tmp_path):
    path = export_workbook(crowded, tmp_path / "plan.xlsx", "zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["概要", "学校", "学区划分", "违反规则", "均衡指标"]
    summary = "\n".join(str(r[0]) for r in rows(wb["概要"]) if r[0])
    assert summary.startswith("学区配置方案：test")
    assert "学校班级数不超过教室数 (classrooms) × 1" in summary
    assert "在校生 60 人，开办学校 1 所" in summary
    kpis = {r[0]: r[1] for r in rows(wb["概要"]) if r[0]}
    assert kpis["在校生"] == 60 and kpis["违反规则条数"] == len(crowded.violations)
    ws = wb["学校"]
    head = [c.value for c in ws[1]]
    assert head[:8] == ["学校", "名称", "学段", "乡镇", "在校生", "班级数", "教室数",
                        "教室使用率"]
    row = dict(zip(head, [c.value for c in ws[2]], strict=True))
    assert row["学校"] == "A" and row["名称"] == "甲小学" and row["学段"] == "小学"
    assert (row["在校生"], row["班级数"], row["教室数"], row["一年级学生"]) == (60, 2, 1, 60)
    assert row["教室使用率"] == 2.0 and ws["H2"].number_format == "0.0%"
    assert ws.freeze_panes == "A2"
    rules = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
    assert "$F2>$G2" in rules and "$K2>$L2" in rules
    v = wb["违反规则"]
    assert [c.value for c in v[1]][:3] == ["规则代码", "规则", "对象（学校/居住区/教师）"]
    broken = {r[0]: r for r in rows(v)[1:]}
    assert broken["classrooms"][1] == "学校班级数不超过教室数"
    assert broken["classrooms"][2] == "A" and broken["classrooms"][4] == 1
    a = rows(wb["学区划分"])
    assert a[0][:4] == ["居住区", "学段", "年级", "学校"] and a[1][:5] == ["b1", "小学", "1-6",
                                                                         "A", 60]


def test_english_report_with_rotation_has_teacher_sheets(rotated, tmp_path):
    path = export_workbook(rotated, tmp_path / "plan.xlsx", "en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Schools", "Assignments", "Violations",
                             "Teacher moves", "Rotation quota", "Staffing",
                             "Balance indicators"]
    summary = " ".join(str(r[0]) for r in rows(wb["Summary"]) if r[0])
    assert f"Teacher rotation: {len(rotated.moves)} moves" in summary
    moves = rows(wb["Teacher moves"])
    assert moves[0][:5] == ["Teacher", "Level", "Subject", "From school", "To school"]
    assert len(moves) == len(rotated.moves) + 1 and rotated.moves
    assert {r[4] for r in moves[1:]} == {"Y"}
    quota = rows(wb["Rotation quota"])
    assert quota[1][:4] == ["County", rotated.teachers.quota.eligible,
                            rotated.teachers.quota.required, rotated.teachers.quota.rotating]
    staffing = rows(wb["Staffing"])
    assert staffing[0][:5] == ["School", "Level", "Pupils", "Classes", "Teachers needed"]
    after = {r[0]: r[7] for r in staffing[1:]}
    assert after == {s.school: s.teachers_after for s in rotated.teachers.schools}


def test_cli_export_writes_the_report_and_refuses_a_missing_result(crowded, tmp_path):
    folder = write_result(crowded, tmp_path / "res")
    out = tmp_path / "plan.xlsx"
    r = runner.invoke(app, ["export", str(folder), "-o", str(out), "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "概要"
    r = runner.invoke(app, ["export", str(tmp_path / "none"), "-o", str(tmp_path / "x.xlsx")])
    assert r.exit_code == 2 and not (tmp_path / "x.xlsx").exists()


def test_example_result_exports_in_both_languages(tmp_path):
    root = Path(__file__).resolve().parents[2]
    path = root / "scenarios" / "urban-district.json"
    res = solve(load_scenario(path), stage="students", time_limit=3)
    folder = write_result(res, tmp_path / "r", scenario_text=scenario_text(path))
    for lang in ("zh", "en"):
        wb = openpyxl.load_workbook(export_workbook(res, folder / f"plan-{lang}.xlsx", lang))
        assert wb.worksheets[1].max_row == len(res.schools) + 1
        assert wb.worksheets[2].max_row == len(res.assignments) + 1


def test_layout_sheet_lists_operations_and_the_choose_outcome(tmp_path):
    sc = scenario([school("A", 0), school("B", 400), school("C", 800)],
                  [block("b1", 100, grades={1: 30})],
                  layout=[{"op": "expand", "school": "A", "classrooms": 2},
                          {"op": "choose", "candidates": ["B", "C"], "keep": 1}],
                  options={"time_limit_s": 3})
    res = solve(sc, stage="students", time_limit=3)
    [decision] = res.layout.choose
    wb = openpyxl.load_workbook(export_workbook(res, tmp_path / "plan.xlsx", "zh"))
    assert "布局调整" in wb.sheetnames
    table = rows(wb["布局调整"])
    assert table[0] == ["序号", "调整方式", "学校", "调整内容"]
    assert table[1][:3] == [1, "扩建", "A"]
    assert table[-1][:3] == [2, "择优保留", "B, C"]
    assert f"保留 {decision.kept[0]}；撤并 {decision.closed[0]}" in table[-1][3]


def test_violations_carry_their_relief_and_an_invest_solve_lists_its_investments(crowded,
                                                                                 tmp_path):
    """The crowded school needs one classroom more: the violation's relief says so; solved
    with `invest`, the report lists that classroom (and no violation)."""
    v = {r[0]: r for r in rows(openpyxl.load_workbook(
        export_workbook(crowded, tmp_path / "plain.xlsx", "en"))["Violations"])[1:]}
    head = rows(openpyxl.load_workbook(tmp_path / "plain.xlsx")["Violations"])[0]
    relief = dict(zip(head, v["classrooms"], strict=True))
    assert (relief["Relief: classrooms"], relief["Relief: beds"]) == (1, 0)
    assert relief["Relief: one-off yuan"] == 300_000
    sc = scenario([school("A", 0, rooms=1)], [block("b1", 100, grades={1: 60})],
                  options={"time_limit_s": 3, "invest": True})
    res = solve(sc, stage="students", time_limit=3)
    wb = openpyxl.load_workbook(export_workbook(res, tmp_path / "invest.xlsx", "zh"))
    assert "新建投资" in wb.sheetnames and "违反规则" in wb.sheetnames
    inv = rows(wb["新建投资"])
    assert inv[0][:4] == ["学校", "类别", "学段", "数量"]
    assert inv[1][:2] == ["A", "教室"] and inv[1][3] == 1 and inv[-1][0] == "合计"
    assert not res.violations
