"""The comparison as Markdown (compare.md), in English or Chinese: KPI table, pupils changing
school, the largest moves between schools, the schools per run."""

from __future__ import annotations

from allocator.i18n import translate

from .closure import closure_markdown
from .compare import Comparison, changed_pupils, notes_in
from .compare_html import cell
from .investments import investment_markdown
from .labels import column_name, label_of, section_of, status_text


def _head(cols: list[str], lang: str, runs: list[str] | None = None) -> list[str]:
    """A Markdown table header: the named columns in `lang`, then one per run label."""
    names = [column_name(c, lang) for c in cols] + (runs or [])
    return ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]


def markdown(cmp: Comparison, top: int = 30, lang: str = "en") -> str:
    """The comparison as Markdown in `lang`: KPI table, pupils changing school, pairs,
    schools."""
    t = lambda key, **f: translate(key, lang, **f)  # noqa: E731
    labels = [r.label for r in cmp.runs]
    sources = t("compare.list_sep").join(
        t("compare.source_item", label=r.label, source=f"`{r.source}`")
        + (f" ({t('compare.solved_here')})" if r.solved_here else "") for r in cmp.runs)
    out = [f"# {t('compare.title', labels=' / '.join(labels))}", "",
           t("compare.src_line_md", base=f"**{labels[0]}**", sources=sources), ""]
    out += [f"## {t('compare.h.kpis')}", "", *_head(["section", "kpi"], lang, labels)]
    for _, row in cmp.kpis.iterrows():
        out.append(f"| {section_of(row['key'], lang)} | {label_of(row['key'], lang)} | "
                   + " | ".join(cell(row[lb], lang, row["key"]) for lb in labels) + " |")
    out += ["", f"## {t('compare.h.changes_md')}", ""]
    for lb, n in changed_pupils(cmp).items():
        out.append(f"- {t('compare.moved_item', label=lb, n=f'{n:,}')}")
    out += ["", f"### {t('compare.h.pairs_md', top=top)}", "",
            *_head(["run", "from", "to", "pupils", "blocks"], lang)]
    for _, p in cmp.pairs.groupby("run", sort=False).head(top).iterrows():
        out.append(f"| {p['run']} | {p['from_school']} | {p['to_school']} | {p['pupils']:,} "
                   f"| {p['blocks']} |")
    out += ["", f"## {t('compare.h.schools_md')}", "", *_head(["school", "name"], lang, labels)]
    wide = cmp.schools.pivot(index="school", columns="run", values="status")
    enrol = cmp.schools.pivot(index="school", columns="run", values="enrolment") if (
        "enrolment" in cmp.schools) else None
    names = cmp.schools.drop_duplicates("school").set_index("school")["name"]
    for sid in wide.index:
        cells = []
        for lb in labels:
            st = wide.loc[sid, lb]
            cells.append(cell(enrol.loc[sid, lb], lang) if st in ("open", "new")
                         and enrol is not None else status_text(str(st), lang))
        out.append(f"| {sid} | {names.get(sid, '')} | " + " | ".join(cells) + " |")
    out += investment_markdown(cmp.investments, lang)
    out += closure_markdown(cmp, lang)
    notes = notes_in(cmp, lang)
    if notes:
        out += ["", f"## {t('compare.h.notes')}", ""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"
