"""A result in a few lines for people: what `allocator solve` prints and `Result.summary()`
returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allocator.i18n import translate

if TYPE_CHECKING:
    from .result import Result

ROTATION_RULES = ("staffing_ratio", "senior_title", "rotation_quota", "rotation_backbone_share")


def _cv(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def student_lines(r: Result) -> list[str]:
    """Status, objective, bound and gap; travel, boarding and moves; the rules broken."""
    lines = [f"{r.status}  objective {r.objective or 0:,.2f}  lower bound "
             f"{r.lower_bound or 0:,.2f}  gap {100 * (r.gap or 0):.3f}%  "
             f"({r.timings.get('total', 0):.1f} s)"]
    if r.message:
        lines.append(r.message)
    k = r.kpis
    if k is not None:
        t = k.travel
        lines.append(f"pupils {k.pupils:,}  primary mean {t.primary.mean_km} km "
                     f"(p95 {t.primary.p95_km})  junior mean {t.junior.mean_km} km "
                     f"(p95 {t.junior.p95_km})  boarders {k.boarding.boarders:,} "
                     f"/ beds {k.boarding.beds:,}  moved {k.moved_pupils:,}")
    if r.investments:
        t = r.investments_total
        lines.append(translate("investment.summary", "en", classrooms=f"{t.classrooms:,}",
                               beds=f"{t.beds:,}",
                               schools=len({i.school for i in r.investments}),
                               cost=f"{t.cost_yuan:,.0f}", annual=f"{t.annual_cost_yuan:,.0f}"))
    if r.violations:
        by_rule: dict[str, int] = {}
        for v in r.violations:
            by_rule[v.rule] = by_rule.get(v.rule, 0) + 1
        lines.append("violations: " + ", ".join(f"{rule} x{n}" for rule, n in by_rule.items()))
    else:
        lines.append("no rule broken")
    return lines


def rotation_lines(r: Result) -> list[str]:
    """The rotation's status, quota, backbone, CVs before and after, rules short."""
    t = r.teachers
    if t is None:
        return []
    q = t.quota
    lines = [f"teachers: {t.status}  {len(t.moves)} moves  quota {q.rotating}/{q.required} of "
             f"{q.eligible} eligible  backbone {q.backbone_rotating}/{q.backbone_required}  "
             f"objective {t.objective:,}  bound {t.lower_bound:,}  gap "
             f"{100 * (t.gap or 0):.3f}%"]
    for level, b in t.balance.items():
        if b.schools:
            cvs = "  ".join(f"{name.replace('_per_100', '')} {_cv(v.before)} -> {_cv(v.after)}"
                            for name, v in (("teachers_per_100", b.teachers_per_100),
                                            ("backbone_per_100", b.backbone_per_100),
                                            ("senior_per_100", b.senior_per_100)))
            lines.append(f"  {level} CV per 100 pupils: {cvs}")
    if t.message and t.message != r.message:
        lines.append(t.message)
    rules = [v.rule for v in r.violations if v.rule in ROTATION_RULES]
    if rules:
        lines.append("  rotation rules short: " + ", ".join(
            f"{rule} x{rules.count(rule)}" for rule in dict.fromkeys(rules)))
    return lines


def summarize_result(r: Result) -> str:
    """The student stage's lines (when it ran), then the rotation's (when it ran)."""
    lines = student_lines(r) if "students" in r.stages else []
    return "\n".join(lines + rotation_lines(r))
