"""The importer's column-mapping file: what each table may map and how values read.

It owns the scenario fields each mapped table (schools, blocks, teachers, plan, boundary)
may name and must name, the translations of common Chinese values (小学 -> primary, 是/否,
高级 -> senior, ...), which fields are yes/no, whole or decimal numbers, and `read_mapping`,
which reads a TOML or JSON mapping and checks its tables and fields before any data file
is opened. `allocator.io.importer` reads the tables the mapping names.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from allocator.model.findings import Finding, ScenarioError

TRUE = {"是", "1", "true", "yes", "y", "t", "城镇", "城区", "城市", "骨干", "√"}
FALSE = {"否", "0", "false", "no", "n", "f", "乡村", "农村", "", "×"}
VALUES: dict[str, dict[str, Any]] = {
    "kind": {"小学": "primary", "完全小学": "primary", "中心小学": "primary",
             "初中": "junior", "初级中学": "junior", "九年一贯制": "nine_year",
             "九年一贯制学校": "nine_year", "九年制": "nine_year", "教学点": "teaching_point"},
    "level": {"小学": "primary", "初中": "junior"},
    "title": {"正高级": "senior", "高级": "senior", "副高级": "senior", "中级": "intermediate",
              "一级": "intermediate", "初级": "junior", "二级": "junior", "三级": "junior",
              "无": "none", "未定级": "none"},
    "sex": {"男": "male", "女": "female"},
    "degree": {"博士": "doctor", "硕士": "master", "研究生": "master", "本科": "bachelor",
               "专科": "associate", "大专": "associate", "中专": "secondary",
               "高中": "secondary", "其他": "other"},
    "status": {"正常": "open", "开办": "open", "撤并": "closed", "停办": "closed",
               "规划": "planned", "新建": "planned"},
    "subject": {"语文": "chinese", "数学": "math", "英语": "english", "科学": "science",
                "体育": "pe", "体育与健康": "pe", "音乐": "music", "美术": "art",
                "道德与法治": "morality", "思想政治": "politics", "政治": "politics",
                "信息技术": "it", "物理": "physics", "化学": "chemistry", "生物": "biology",
                "历史": "history", "地理": "geography"},
}
BOOLS = {"urban", "backbone", "volunteer", "pe_art"}
INTS = {"classrooms", "classrooms_primary", "classrooms_junior", "boarding_beds",
        "max_students", "multimedia_rooms", "left_behind", "age"}
FLOATS = {"strength", "annual_fixed_cost", "teaching_area_m2", "sports_area_m2",
          "equipment_value", "years_at_school", "x", "y"}
FIELDS = {
    "schools": {"id", "name", "kind", "x", "y", "township", "urban", "classrooms",
                "classrooms_primary", "classrooms_junior", "boarding_beds", "max_students",
                "group", "strength", "annual_fixed_cost", "teaching_area_m2",
                "sports_area_m2", "equipment_value", "multimedia_rooms", "status"},
    "blocks": {"id", "name", "x", "y", "township", "urban", "students", "left_behind",
               "current_primary", "current_junior"} | {f"g{g}" for g in range(1, 10)},
    "teachers": {"id", "name", "school", "subject", "level", "title", "backbone",
                 "years_at_school", "age", "sex", "degree", "exempt", "volunteer", "pe_art"},
    "plan": {"block", "school", "level", "grades"},
    "boundary": set(),
}
REQUIRED = {"schools": {"id", "kind"}, "blocks": {"id"}, "teachers": {"id", "school",
                                                                      "subject", "level"},
            "plan": {"block", "school"}, "boundary": set()}
KIND_KEYS = {"primary": ["primary"], "junior": ["junior"], "nine_year": ["primary", "junior"],
             "teaching_point": ["1-3"]}


def read_mapping(path: Path) -> dict:
    """The mapping file as a dict (TOML or JSON by suffix)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ScenarioError([Finding(severity="error", code="file", message=str(exc))],
                            name) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError([Finding(severity="error", code="mapping",
                                     message=f"not valid {path.suffix[1:].upper()}: {exc}")],
                            name) from None
    problems = []
    for table in ("schools", "blocks", "teachers", "plan", "boundary"):
        spec = data.get(table)
        if spec is None:
            continue
        if not isinstance(spec, dict) or "file" not in spec:
            problems.append(f"[{table}] needs file = \"...\"")
            continue
        cols = spec.get("columns", {})
        unknown = sorted(set(cols) - FIELDS[table])
        if unknown:
            problems.append(f"[{table}] unknown field(s) {', '.join(unknown)} (known: "
                            f"{', '.join(sorted(FIELDS[table]))})")
        missing = sorted(REQUIRED[table] - set(cols) - ({"kind"} if "kind" in spec else set()))
        if missing:
            problems.append(f"[{table}] columns must name {', '.join(missing)}")
    for table in ("schools", "blocks"):
        if table not in data:
            problems.append(f"[{table}] is required")
    if problems:
        raise ScenarioError([Finding(severity="error", code="mapping", message=m)
                             for m in problems], name)
    return data
