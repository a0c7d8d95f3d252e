"""The planner's workbook: `allocator template` and `allocator import template.xlsx`.

Round trips (every example scenario, and a hand-made one using every field), the Chinese
workbook as openpyxl sees it, and bad workbooks: findings naming sheet, row and column, exit
2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from allocator import import_template, load_scenario, read_template, write_template
from allocator.cli.main import app
from allocator.model.findings import ScenarioError
from tests.conftest import block, scenario, school

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "scenarios").rglob("*.json") if "schema" not in p.name)
runner = CliRunner()


def everything():
    """A small scenario using every field the workbook holds."""
    schools = [school("A", 0, name="甲小学", township="T1", urban=True, group="G1",
                      strength=0.7, teaching_area_m2=1200.5, equipment_value=3e5,
                      multimedia_rooms=3, annual_fixed_cost=4e5, max_students=900),
               school("B", 3000, kind="nine_year", rooms=None, beds=40,
                      classrooms_by_level={"primary": 6, "junior": 0}, status="planned"),
               school("P", 1500, kind="teaching_point", rooms=3, grades=[1, 2])]
    blocks = [block("b1", 100, grades={1: 20, 5: 20, 8: 9}, left_behind=4,
                    current_school={"1-2": "P", "3-6": "A", "junior": "B"},
                    students_by_year={"2027": [1, 2, 3, 4, 5, 6, 7, 8, 9]}),
              {"id": "b2", "geometry": {"type": "Polygon", "coordinates": [
                  [[2800, 0], [2900, 0], [2900, 100], [2800, 0]]]},
               "students": [3] * 9, "township": "T2"}]
    teachers = [{"id": "T1", "school": "A", "subject": "math", "level": "primary",
                 "title": "senior", "backbone": True, "years_at_school": 7.5, "age": 41,
                 "sex": "female", "degree": "master", "volunteer": True},
                {"id": "T2", "school": "B", "subject": "pe", "level": "junior",
                 "exempt": "maternity", "pe_art": True}]
    layout = [{"op": "close", "school": "P"}, {"op": "merge", "from": ["A"], "into": "B"},
              {"op": "open", "school": school("N", 500, name="新校", rooms=18)},
              {"op": "expand", "school": "B", "classrooms": 2, "boarding_beds": 20,
               "max_students": 2000},
              {"op": "expand", "school": "N", "classrooms_by_level": {"primary": 2,
                                                                      "junior": 1}},
              {"op": "convert", "school": "N", "kind": "nine_year", "grades": [1, 2, 3]},
              {"op": "add_beds", "school": "N", "beds": 30},
              {"op": "choose", "candidates": ["B", "N"], "keep": 1, "fixed_cost": 1000.0}]
    return scenario(schools, blocks, teachers=teachers, layout=layout, year=2026,
                    boundary={"type": "Polygon", "coordinates": [
                        [[0, 0], [3000, 0], [3000, 3000], [0, 0]]]},
                    policy={"profile": "cn-national", "overrides": {
                        "rotation.quota": 0.15, "class_size_cap.primary": 40}},
                    options={"strict": True, "contiguity": True, "year": "2027",
                             "weights": {"stability": 2.5},
                             "locked": [{"block": "b1", "level": "junior", "school": "B"}]})


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_comes_back_from_its_template(path, tmp_path):
    sc = load_scenario(path)
    xlsx = write_template(tmp_path / "t.xlsx", sc, "zh-CN")
    assert read_template(xlsx) == sc


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_field_comes_back_in_both_languages(lang, tmp_path):
    sc = everything()
    xlsx = write_template(tmp_path / "t.xlsx", sc, lang)
    back = read_template(xlsx)
    assert back == sc
    assert back.blocks[0].current_school == {"1-2": "P", "3-6": "A", "junior": "B"}
    out = tmp_path / "s.json"
    import_template(xlsx, out)
    assert load_scenario(out) == sc


def test_chinese_template_sheets_headers_lists_and_cells(tmp_path):
    xlsx = write_template(tmp_path / "t.xlsx", everything(), "zh-CN")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["填表说明", "学校", "居住区", "现行学区", "教师", "布局调整",
                             "新建学校", "分年度学生", "出生人口", "新建住宅", "参数"]
    ws = wb["学校"]
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["学校代码", "学校名称", "学段", "横坐标/经度（坐标系单位）"]
    assert "教室数（间）" in heads and "寄宿床位（张）" in heads
    assert "教学及辅助用房面积（平方米）" in heads
    assert [c.value for c in ws[2]][:3] == ["A", "甲小学", "小学"]
    assert ws.cell(row=3, column=3).value == "九年一贯制"
    assert ws.freeze_panes == "A2"
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"小学,初中,九年一贯制,教学点"' in lists and '"城镇,乡村"' in lists
    teachers = wb["教师"]
    assert '"高级,中级,初级,未定级"' in {dv.formula1 for dv in
                                       teachers.data_validations.dataValidation}
    assert '"是,否"' in {dv.formula1 for dv in teachers.data_validations.dataValidation}
    assert [c.value for c in wb["居住区"][1]][6:9] == ["一年级（人）", "二年级（人）",
                                                       "三年级（人）"]
    assert [c.value for c in wb["现行学区"][2]] == ["b1", "1-2", "P"]
    assert [c.value for c in wb["现行学区"][4]] == ["b1", "初中", "B"]
    assert [c.value for c in wb["布局调整"][3]][:4] == ["合并", None, "A", "B"]
    options = {r[0]: r[2] for r in wb["参数"].iter_rows(min_row=2, values_only=True)}
    assert options["crs"] == "EPSG:32649" and options["options.strict"] == "是"
    assert options["policy.overrides.rotation.quota"] == 0.15
    assert "填表说明" == wb["填表说明"]["A1"].value


def test_empty_template_in_english_has_every_sheet_and_reads_as_no_records(tmp_path):
    xlsx = write_template(tmp_path / "e.xlsx", None, "en")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[:3] == ["Instructions", "Schools", "Residential blocks"]
    assert [c.value for c in wb["Schools"][1]][8] == "Classrooms (rooms)"
    assert wb["Schools"].max_row == 1
    with pytest.raises(ScenarioError) as err:
        read_template(xlsx)
    assert "schools" in str(err.value)  # a scenario needs schools and blocks


# -- bad workbooks ---------------------------------------------------------------------------
@pytest.fixture
def filled(tmp_path) -> Path:
    return write_template(tmp_path / "t.xlsx", everything(), "zh-CN")


def edit(path: Path, change) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        read_template(path)
    return [str(f) for f in err.value.findings]


def test_text_in_a_number_cell_names_sheet_row_and_column(filled):
    edit(filled, lambda wb: wb["学校"].cell(row=3, column=9, value="约12间"))
    [msg] = problems(filled)
    assert "sheet '学校' row 3" in msg and "I '教室数（间）'" in msg and "约12间" in msg


def test_formula_merged_cells_and_wrong_unit_all_reported(filled):
    def change(wb):
        wb["居住区"]["G2"] = "=1+2"
        wb["教师"].merge_cells("B2:C3")
        wb["学校"]["Q1"] = "教学及辅助用房面积（亩）"
    edit(filled, change)
    found = "\n".join(problems(filled))
    assert "sheet '居住区' row 2" in found and "formula '=1+2'" in found
    assert "merged cells B2:C3" in found and "sheet '教师' row 2" in found
    assert "unit '亩'" in found and "sheet '学校' row 1" in found


def test_renamed_header_missing_column_and_missing_sheet(filled, tmp_path):
    edit(filled, lambda wb: wb["学校"].cell(row=1, column=1, value="代码"))
    found = "\n".join(problems(filled))
    assert "'代码'" in found and "not a column of the template" in found
    assert "学校代码" in found and "required column is missing" in found
    other = write_template(tmp_path / "o.xlsx", everything(), "en")
    edit(other, lambda wb: wb.remove(wb["Options"]))
    assert any("sheet '参数'" in p and "required sheet is missing" in p
               for p in problems(other))


def test_unknown_block_in_plan_and_bad_choice_value(filled):
    def change(wb):
        wb["现行学区"]["A2"] = "nowhere"
        wb["学校"]["C2"] = "高中"
    edit(filled, change)
    found = "\n".join(problems(filled))
    assert "sheet '现行学区' row 2" in found and "block 'nowhere'" in found
    assert "'高中' is not one of 小学 / 初中 / 九年一贯制 / 教学点" in found


def test_scenario_rule_errors_point_at_sheet_and_row(filled):
    edit(filled, lambda wb: wb["学校"].cell(row=4, column=9, value=-3))
    [msg] = problems(filled)
    assert "sheet '学校' row 4" in msg and "classrooms" in msg


def test_cli_exits_2_and_writes_nothing_for_a_bad_workbook_or_a_gbk_csv(filled, tmp_path):
    edit(filled, lambda wb: wb["居住区"].cell(row=2, column=7, value="二十"))
    out = tmp_path / "s.json"
    r = runner.invoke(app, ["import", str(filled), "-o", str(out)])
    assert r.exit_code == 2 and not out.exists()
    assert "居住区" in r.output and "row 2" in r.output
    csv = tmp_path / "学校.csv"
    csv.write_bytes("学校代码,学段\nA,小学\n".encode("gbk"))
    r = runner.invoke(app, ["import", str(csv), "-o", str(out)])
    assert r.exit_code == 2 and not out.exists()
    assert "not an Excel workbook" in " ".join(r.output.split())


def test_cli_template_then_import_gives_the_scenario(tmp_path):
    src = ROOT / "scenarios" / "urban-district.json"
    xlsx, out = tmp_path / "t.xlsx", tmp_path / "back.json"
    r = runner.invoke(app, ["template", "--from", str(src), "-o", str(xlsx), "--lang", "en"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["import", str(xlsx), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "24 schools, 450 blocks" in r.output
    assert load_scenario(out) == load_scenario(src)
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == "urban-district"
    r = runner.invoke(app, ["template", "-o", str(xlsx), "--lang", "fr"])
    assert r.exit_code == 2


def test_a_polygon_too_long_for_a_cell_is_refused_and_nothing_written(tmp_path):
    ring = [[float(i), float(i % 7)] for i in range(3000)] + [[0.0, 0.0]]
    sc = scenario([school("A", 0)], [block("b1", 5, grades={1: 3})],
                  boundary={"type": "Polygon", "coordinates": [ring]})
    out = tmp_path / "t.xlsx"
    with pytest.raises(ScenarioError) as err:
        write_template(out, sc, "en")
    assert "boundary" in str(err.value) and "do not fit an Excel cell" in str(err.value)
    assert not out.exists()


def test_layout_and_options_mistakes_are_named(filled):
    def change(wb):
        ws = wb["布局调整"]
        ws["D2"] = "A"            # 撤销 (close) takes no 并入学校
        ws["B4"] = "Z"            # 新建 (open) of a school not on the new schools sheet
        opts = wb["参数"]
        opts.cell(row=opts.max_row + 1, column=1, value="options.speed")
        opts.cell(row=opts.max_row, column=3, value=3)
    edit(filled, change)
    found = "\n".join(problems(filled))
    assert "sheet '布局调整' row 2" in found and "does not use into" in found
    assert "sheet '布局调整' row 4" in found and "new school 'Z'" in found
    assert "unknown setting 'options.speed'" in found


def test_english_labels_and_synonyms_read_in_a_chinese_workbook(filled):
    def change(wb):
        wb["学校"]["C2"] = "primary"        # the English label
        wb["教师"]["F2"] = "副高级"          # a synonym of 高级 (senior)
        wb["学校"]["I2"] = "14"              # a number typed as text
    edit(filled, change)
    sc = read_template(filled)
    assert sc.schools[0].kind == "primary" and sc.teachers[0].title == "senior"
    assert sc.schools[0].classrooms == 14
