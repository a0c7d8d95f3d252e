"""A result in a few lines for people, in English or Chinese: what `allocator solve` prints
and `Result.summary(lang)` returns (texts in `allocator/i18n/catalogs/cli.json`; rule titles
from `rules.json`, the rule's stable id beside its title)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allocator.i18n import catalog, translate

if TYPE_CHECKING:
    from .result import Result

ROTATION_RULES = ("staffing_ratio", "senior_title", "rotation_quota", "rotation_backbone_share")


def _cv(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def status_text(status: str, lang: str = "en") -> str:
    """A solve status (optimal, feasible, ...) in `lang` (unknown statuses as given)."""
    key = f"cli.status.{status.replace(' ', '_')}"
    return translate(key, lang) if key in catalog() else status


def rule_counts(rules: list[str], lang: str) -> str:
    """`rule x n (title)` per rule broken, in order of first appearance, in `lang`."""
    items = []
    for rule in dict.fromkeys(rules):
        key = f"rule.{rule}"
        title = translate(key, lang) if key in catalog() else rule
        items.append(translate("cli.summary.violation_item", lang, rule=rule,
                               n=rules.count(rule), title=title))
    return translate("cli.summary.list_sep", lang).join(items)


def student_lines(r: Result, lang: str = "en") -> list[str]:
    """Status, objective, bound and gap; travel, boarding and moves; the rules broken."""
    lines = [translate("cli.summary.status_line", lang, status=status_text(r.status, lang),
                       objective=f"{r.objective or 0:,.2f}", bound=f"{r.lower_bound or 0:,.2f}",
                       gap=f"{100 * (r.gap or 0):.3f}",
                       seconds=f"{r.timings.get('total', 0):.1f}")]
    if r.message:
        lines.append(r.message)
    k = r.kpis
    if k is not None:
        t = k.travel
        lines.append(translate("cli.summary.kpi_line", lang, pupils=f"{k.pupils:,}",
                               pm=t.primary.mean_km, pp=t.primary.p95_km, jm=t.junior.mean_km,
                               jp=t.junior.p95_km, boarders=f"{k.boarding.boarders:,}",
                               beds=f"{k.boarding.beds:,}", moved=f"{k.moved_pupils:,}"))
    if r.investments:
        t = r.investments_total
        lines.append(translate("investment.summary", lang, classrooms=f"{t.classrooms:,}",
                               beds=f"{t.beds:,}",
                               schools=len({i.school for i in r.investments}),
                               cost=f"{t.cost_yuan:,.0f}", annual=f"{t.annual_cost_yuan:,.0f}"))
    if r.violations:
        lines.append(translate("cli.summary.violations", lang,
                               rules=rule_counts([v.rule for v in r.violations], lang)))
    else:
        lines.append(translate("cli.summary.no_rule_broken", lang))
    return lines


def rotation_lines(r: Result, lang: str = "en") -> list[str]:
    """The rotation's status, quota, backbone, CVs before and after, rules short."""
    t = r.teachers
    if t is None:
        return []
    q = t.quota
    lines = [translate("cli.summary.teachers_line", lang, status=status_text(t.status, lang),
                       moves=len(t.moves), rotating=q.rotating, required=q.required,
                       eligible=q.eligible, brot=q.backbone_rotating, breq=q.backbone_required,
                       objective=f"{t.objective:,}", bound=f"{t.lower_bound:,}",
                       gap=f"{100 * (t.gap or 0):.3f}")]
    for level, b in t.balance.items():
        if b.schools:
            cvs = "  ".join(f"{translate(f'cli.summary.cv.{name}', lang)} "
                            f"{_cv(v.before)} -> {_cv(v.after)}"
                            for name, v in (("teachers", b.teachers_per_100),
                                            ("backbone", b.backbone_per_100),
                                            ("senior", b.senior_per_100)))
            key = f"cli.level.{level}"
            lv = translate(key, lang) if key in catalog() else level
            lines.append(translate("cli.summary.cv_line", lang, level=lv, cvs=cvs))
    if t.message and t.message != r.message:
        lines.append(t.message)
    rules = [v.rule for v in r.violations if v.rule in ROTATION_RULES]
    if rules:
        lines.append(translate("cli.summary.rotation_short", lang,
                               rules=rule_counts(rules, lang)))
    return lines


def summarize_result(r: Result, lang: str = "en") -> str:
    """The student stage's lines (when it ran), then the rotation's (when it ran), in
    `lang` (`en` / `zh`)."""
    lines = student_lines(r, lang) if "students" in r.stages else []
    return "\n".join(lines + rotation_lines(r, lang))
