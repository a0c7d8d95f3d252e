"""Every rule of the policy by name: what it says, the policy numbers it reads, its source.

The names are the ones used in the model, in `verify`, in violations and in docs;
`describe_policy` prints them with the numbers of a resolved policy (`allocator policy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allocator.i18n import translate
from allocator.model.policy import Policy


@dataclass(frozen=True)
class Rule:
    name: str
    parameter: str
    source: str
    assumed: tuple[str, ...] = ()  # parameters whose numbers no cited text gives

    @property
    def title(self) -> str:
        """What the rule says, in English (`rule_title` for another language)."""
        return translate(f"rule.{self.name}", "en")


RULES: dict[str, Rule] = {
    r.name: r
    for r in [
        Rule("served_grades", "kind / grades",
             "school kind (primary 1-6, junior 7-9, nine-year 1-9, teaching point 1-3)"),
        Rule("one_school_per_level", "-",
             "就近入学 catchment practice"),
        Rule("locked_assignment", "options.locked",
             "planner's decision"),
        Rule("class_size_cap", "class_size_cap",
             "GB 50099-2011; 县域义务教育优质均衡发展督导评估办法"),
        Rule("classrooms", "classrooms",
             "building stock"),
        Rule("school_size_cap", "school_size_cap",
             "县域义务教育优质均衡发展督导评估办法 (2000; nine-year 2500)"),
        Rule("young_beyond_day_radius", "min_boarding_grade, day_radius_km, "
             "penalties.young_beyond_day_radius",
             "国办发〔2018〕27号 (young pupils do not board)", assumed=("day_radius_km",)),
        Rule("boarding_beds", "day_radius_km", "国办发〔2018〕27号; local day-radius rules",
             assumed=("day_radius_km",)),
        Rule("township_boarding_schools", "township_boarding.min_schools, "
             "township_boarding.min_beds", "台前县 2023 plan (each township keeps 1-2 "
             "boarding schools)"),
        Rule("left_behind_first", "-", "国办发〔2018〕27号 (留守儿童 board first)"),
        Rule("group_intake", "penalties.group_intake", "学区制 / 集团化办学 (options."
             "enrol_within_group)"),
        Rule("staffing_ratio", "staffing.pupils_per_teacher, staffing.small_school, "
             "staffing.subject_teachers_per_class",
             "中央编办 教育部 财政部 2014 统一城乡中小学教职工编制标准 (1:19, 1:13.5)",
             assumed=("staffing.small_school",)),
        Rule("senior_title", "staffing.senior_min_primary, staffing.senior_share_junior",
             "宝山 2018"),
        Rule("rotation_quota", "rotation.quota, rotation.quota_per_school",
             "教育部等 2014 关于推进县（区）域内义务教育学校校长教师交流轮岗的意见"),
        Rule("rotation_backbone_share", "rotation.backbone_share, rotation.backbone_basis",
             "2014 交流轮岗意见"),
        Rule("rotation_eligibility", "rotation.min_years_at_school, rotation.retirement_age, "
             "rotation.exempt_years_before_retirement, rotation.exempt_reasons",
             "2014 交流轮岗意见 (6 years); exemptions: provincial rules"),
        Rule("rotation_direction", "rotation.direction", "2014 交流轮岗意见"),
        Rule("rotation_sending_share", "rotation.max_sending_share", "provincial rules"),
        Rule("rotation_distance", "rotation.max_distance_km", "local rules"),
        Rule("rotation_exchange", "rotation.one_for_one",
             "对口交流 practice"),
        Rule("balance_cv", "balance.cv_max", "县域义务教育优质均衡发展督导评估办法 (0.50 / 0.45)"),
        Rule("balance_standard", "balance.standard",
             "县域义务教育优质均衡发展督导评估办法 (教督〔2017〕6号), "
             "资源配置 7 项指标"),
        Rule("funding", "funding",
             "财政部 教育部 城乡义务教育公用经费 基准定额; 寄宿制学校 公用经费 补助"),
        Rule("choose", "funding.fixed_cost_per_school_yuan",
             "planner's decision (layout)"),
        Rule("contiguity", "options.contiguity", "planning practice"),
        Rule("investment", "investment",
             "county construction budgets (options.invest)", assumed=("investment",)),
        Rule("projection", "projection.survival, projection.pupils_per_100_dwellings, "
             "projection.trend, projection.variants",
             "cohort-component practice of county enrolment forecasts (学位预测)",
             assumed=("projection.survival", "projection.pupils_per_100_dwellings",
                      "projection.trend", "projection.variants")),
        Rule("cohort_continuity", "options.continuity",
             "planning practice: pupils already enrolled finish at their school (horizon "
             "plans)"),
    ]
}

def rule_title(name: str, lang: str | None = None) -> str:
    """What rule `name` says, in `lang` (zh / en; default from the environment's locale).
    The stable id stays `name`; only the title is translated."""
    return translate(f"rule.{name}", lang)


def describe_policy(policy: Policy, lang: str | None = "en") -> list[dict[str, str]]:
    """Rows (rule, title, value, source) for printing: one per rule, values from `policy`,
    titles in `lang`. A value no cited text gives is followed by ` [assumption]`, and the
    source of its rule starts with `assumption: ` naming those parameters."""
    dumped = policy.model_dump()
    rows = []
    for rule in RULES.values():
        values = []
        for part in rule.parameter.split(", "):
            key = part.split(".")
            node: Any = dumped
            for k in key:
                node = node.get(k) if isinstance(node, dict) else None
            if node is not None:
                mark = " [assumption]" if part in rule.assumed else ""
                values.append(f"{part}={_compact(node)}{mark}")
        source = rule.source
        if rule.assumed:
            source = (f"assumption: no cited text gives {', '.join(rule.assumed)}; "
                      f"{source}")
        rows.append({"rule": rule.name, "title": rule_title(rule.name, lang),
                     "value": "; ".join(values), "source": source})
    return rows


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    return str(value)
