"""Chinese and English where a planner reads: the compare page and Markdown, the solve and
compare summaries, the HTML map's texts and the PNG legend drawn with a CJK font (or, with
none installed, in English with a one-line message saying how to get one)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.io.result_folder import load_result
from allocator.model.result import Violation
from allocator.report import maps
from allocator.report.labels import label_of, section_of, status_text
from geo.export import find_cjk_font
from tests.report.test_compare import county, write

runner = CliRunner()
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """base and merge-A solved into result folders (English summary), then compared in
    Chinese and in English."""
    tmp = tmp_path_factory.mktemp("lang")
    for name, layout in (("base", None), ("merge-a", [{"op": "merge", "from": ["A"],
                                                      "into": "B"}])):
        sc = write(tmp / f"{name}.json", county(name, layout))
        r = runner.invoke(app, ["solve", str(sc), "-o", str(tmp / name), "-q", "--lang", "zh"])
        assert r.exit_code == 0, r.output
        assert "目标值" in r.output and "已写入" in r.output and "objective" not in r.output
    for lang in ("zh", "en"):
        r = runner.invoke(app, ["compare", str(tmp / "base"), str(tmp / "merge-a"), "-o",
                                str(tmp / f"cmp-{lang}"), "-q", "--lang", lang])
        assert r.exit_code == 0, r.output
        (tmp / f"cmp-{lang}" / "stdout.txt").write_text(r.output, encoding="utf-8")
    return tmp


def test_compare_page_in_chinese(solved):
    page = (solved / "cmp-zh" / "compare.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    for text in ("布局方案比较：base / merge-a", "图表", "主要指标", "学生上学距离（公里）",
                 "求解状态", "上学距离（公里）", "调整前后的学校", "并入 B", "间教室"):
        assert text in page, text
    for english in (">Charts<", ">KPIs<", "merged into", "Travel per pupil", " rooms,"):
        assert english not in page, english
    md = (solved / "cmp-zh" / "compare.md").read_text(encoding="utf-8")
    assert md.startswith("# 布局方案比较：") and "## 主要指标" in md and "并入 B" in md
    out = (solved / "cmp-zh" / "stdout.txt").read_text(encoding="utf-8")
    assert "年度经费" in out and "学校变动的学生" in out and "已写入" in out


def test_compare_page_in_english_keeps_its_texts(solved):
    page = (solved / "cmp-en" / "compare.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    for text in ("Layout comparison: base / merge-a", ">Charts<", ">KPIs<", "merged into B",
                 "Travel per pupil (km)", "objective (pupil-km equiv.)"):
        assert text in page, text
    assert not HAN.search(page.replace("万元", "")), HAN.search(page)
    assert "annual cost" in (solved / "cmp-en" / "stdout.txt").read_text(encoding="utf-8")
    # the CSV tables stay in English whatever the page language (stable for programs)
    zh = pd.read_csv(solved / "cmp-zh" / "kpis.csv")
    en = pd.read_csv(solved / "cmp-en" / "kpis.csv")
    assert zh["label"].tolist() == en["label"].tolist()


def test_every_kpi_and_status_has_a_chinese_label(solved):
    keys = pd.read_csv(solved / "cmp-en" / "kpis.csv")["key"]
    missing = [k for k in keys if not HAN.search(label_of(k, "zh"))
               or not HAN.search(section_of(k, "zh"))]
    assert not missing, missing
    for status in ("open", "new", "closed", "closed (choose)", "not open", "merged into X"):
        assert HAN.search(status_text(status, "zh")), status


def test_solve_summary_names_rules_by_id_and_translated_title(solved):
    result = load_result(solved / "base")
    result.violations = [Violation(rule="class_size_cap", subject="A", amount=3, unit="pupils",
                                   message="m"),
                         Violation(rule="class_size_cap", subject="B", amount=1,
                                   unit="pupils", message="m")]
    zh, en = result.summary("zh"), result.summary("en")
    assert "违反规则：班额不超过上限（class_size_cap）×2" in zh
    assert "violations: class_size_cap x2 (pupils per class at most the cap)" in en
    result.violations = []
    assert "没有违反任何规则" in result.summary("zh")
    assert "no rule broken" in result.summary("en")


def test_html_map_texts_follow_the_language(solved, tmp_path):
    for lang, expect, absent in (("zh", ["学校教室利用率", "寄宿生流向", "在校生"], "school "
                                  "utilisation"), ("en", ["school utilisation", "boarding flow",
                                                         "enrolment"], "学校教室利用率")):
        target = tmp_path / f"map-{lang}.html"
        r = runner.invoke(app, ["map", str(solved / "base"), "-o", str(target), "--lang",
                                lang])
        assert r.exit_code == 0, r.output
        page = target.read_text(encoding="utf-8")
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page
        assert all(text in page for text in expect), lang
        assert absent not in page


def test_chinese_png_legend_renders_without_missing_glyphs(solved, tmp_path):
    if find_cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-wqy-microhei)")
    target = tmp_path / "map-zh.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = runner.invoke(app, ["map", str(solved / "base"), "-o", str(target), "--lang",
                                "zh"])
    assert r.exit_code == 0, r.output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not glyphs, glyphs[:3]
    assert "CJK" not in r.output


def test_chinese_png_without_a_cjk_font_says_how_to_get_one(solved, tmp_path, monkeypatch):
    monkeypatch.setattr(maps, "find_cjk_font", lambda: None)
    told: list[str] = []
    labels = maps.png_labels("zh", told.append)
    assert labels["legend_title"].startswith("school utilisation")
    assert len(told) == 1 and "CJK font" in told[0] and "fonts-wqy-microhei" in told[0]
    assert maps.png_labels("en", told.append)["lang"] == "en" and len(told) == 1
    target = tmp_path / "m.png"
    r = runner.invoke(app, ["map", str(solved / "base"), "-o", str(target), "--lang", "zh"])
    assert r.exit_code == 0 and target.exists()
    assert "Chinese labels need a CJK font" in " ".join(r.output.split())


def test_an_unsupported_language_exits_2(solved, tmp_path):
    r = runner.invoke(app, ["map", str(solved / "base"), "-o", str(tmp_path / "m.html"),
                            "--lang", "fr"])
    assert r.exit_code == 2 and "fr" in r.output
    assert not (tmp_path / "m.html").exists()
