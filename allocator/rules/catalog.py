"""Every rule of the policy by name: what it says, the policy numbers it reads, its source.

The names are the ones used in the model, in `verify`, in violations and in docs;
`describe_policy` prints them with the numbers of a resolved policy (`allocator policy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allocator.model.policy import Policy


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    parameter: str
    source: str


RULES: dict[str, Rule] = {
    r.name: r
    for r in [
        Rule("served_grades", "a school only takes the grades it serves", "kind / grades",
             "school kind (primary 1-6, junior 7-9, nine-year 1-9, teaching point 1-3)"),
        Rule("one_school_per_level", "a block's children of one level attend one school; only "
             "lower grades may attend a school that serves just them (teaching point)", "-",
             "就近入学 catchment practice"),
        Rule("locked_assignment", "locked block-level assignments are kept", "options.locked",
             "planner's decision"),
        Rule("class_size_cap", "pupils per class at most the cap", "class_size_cap",
             "GB 50099-2011; 县域义务教育优质均衡发展督导评估办法"),
        Rule("classrooms", "classes per school at most its classrooms", "classrooms",
             "building stock"),
        Rule("school_size_cap", "pupils per school at most the cap", "school_size_cap",
             "县域义务教育优质均衡发展督导评估办法 (2000; nine-year 2500)"),
        Rule("no_young_boarding", "grades below the boarding grade never board: they attend "
             "a school within the day radius", "min_boarding_grade, day_radius_km",
             "国办发〔2018〕27号"),
        Rule("boarding_beds", "a pupil beyond the day radius boards and needs a bed there",
             "day_radius_km", "国办发〔2018〕27号; local day-radius rules"),
        Rule("staffing_ratio", "teachers per school and level at least pupils / ratio (small "
             "rural schools per class; per subject where per-class needs are given); a "
             "rotation never takes a school below it",
             "staffing.pupils_per_teacher, staffing.small_school, "
             "staffing.subject_teachers_per_class",
             "中央编办 教育部 财政部 2014 统一城乡中小学教职工编制标准"),
        Rule("senior_title", "every primary >= 1 senior-title teacher, every junior >= 5%",
             "staffing.senior_min_primary, staffing.senior_share_junior", "宝山 2018"),
        Rule("rotation_quota", ">= 10% of eligible teachers rotate per year (county-wide; "
             "optionally per sending school)", "rotation.quota, rotation.quota_per_school",
             "教育部等 2014 关于推进县（区）域内义务教育学校校长教师交流轮岗的意见"),
        Rule("rotation_backbone_share", "backbone teachers >= 20% of those rotating (or of "
             "the eligible backbone teachers)",
             "rotation.backbone_share, rotation.backbone_basis", "2014 交流轮岗意见"),
        Rule("rotation_eligibility", "only eligible teachers rotate: years at the school, "
             "not near retirement, no listed exemption",
             "rotation.min_years_at_school, rotation.retirement_age, "
             "rotation.exempt_years_before_retirement, rotation.exempt_reasons",
             "provincial rules"),
        Rule("rotation_direction", "urban/strong -> rural/weak, or within a school group",
             "rotation.direction", "2014 交流轮岗意见"),
        Rule("rotation_sending_share", "a sending school loses at most a share of its teachers",
             "rotation.max_sending_share", "provincial rules"),
        Rule("rotation_distance", "a teacher rotates at most this far (when set)",
             "rotation.max_distance_km", "local rules"),
        Rule("rotation_exchange", "one-for-one exchanges: as many teachers of a level and "
             "subject go from A to B as from B to A", "rotation.one_for_one",
             "对口交流 practice"),
        Rule("balance_cv", "enrolment-weighted CV of each resource indicator across schools",
             "balance.cv_max", "县域义务教育优质均衡发展督导评估办法 (0.50 / 0.45)"),
        Rule("balance_standard", "each school meets >= 6 of the 7 resource indicators "
             "(higher-degree, backbone and PE/art teachers and multimedia rooms per 100 pupils; "
             "teaching area, sports area and equipment per pupil), the rest >= 85%",
             "balance.standard", "县域义务教育优质均衡发展督导评估办法 (教督〔2017〕6号), "
             "资源配置 7 项指标"),
        Rule("funding", "per-pupil funding; small schools funded as 100; boarding subsidy; "
             "fixed cost per open school", "funding",
             "财政部 教育部 城乡义务教育公用经费 基准定额; 寄宿制学校 公用经费 补助"),
        Rule("choose", "a choose operation keeps exactly k (or closes at most k) of its "
             "candidates; no pupil attends a closed one; each kept one costs its annual fixed "
             "cost x options.weights.fixed_cost", "funding.fixed_cost_per_school_yuan",
             "planner's decision (layout)"),
        Rule("contiguity", "a block joins a school only with a closer neighbour",
             "options.contiguity", "planning practice"),
    ]
}

def describe_policy(policy: Policy) -> list[dict[str, str]]:
    """Rows (rule, title, value, source) for printing: one per rule, values from `policy`."""
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
                values.append(f"{part}={_compact(node)}")
        rows.append({"rule": rule.name, "title": rule.title, "value": "; ".join(values),
                     "source": rule.source})
    return rows


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    return str(value)
