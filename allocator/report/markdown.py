"""The comparison as Markdown (compare.md): KPI table, pupils changing school, the largest
moves between schools, the schools per run."""

from __future__ import annotations

from .charts import fmt
from .closure import closure_markdown
from .compare import Comparison, changed_pupils


def markdown(cmp: Comparison, top: int = 30) -> str:
    """The comparison as Markdown: KPI table, pupils changing school, pairs, schools."""
    labels = [r.label for r in cmp.runs]
    out = [f"# Layout comparison: {' / '.join(labels)}", "",
           f"Base: **{labels[0]}**. Sources: " + "; ".join(
               f"{r.label} = `{r.source}`" + (" (solved here)" if r.solved_here else "")
               for r in cmp.runs), ""]
    out += ["## KPIs", "", "| section | KPI | " + " | ".join(labels) + " |",
            "|---|---|" + "---|" * len(labels)]
    for _, row in cmp.kpis.iterrows():
        out.append(f"| {row['section']} | {row['label']} | "
                   + " | ".join(fmt(row[lb]) for lb in labels) + " |")
    out += ["", "## Pupils whose school changes (against the base)", ""]
    for lb, n in changed_pupils(cmp).items():
        out.append(f"- {lb}: {n:,} pupils")
    out += ["", f"### Largest moves between schools (top {top}; all in changes_pairs.csv)", "",
            "| run | from | to | pupils | blocks |", "|---|---|---|---|---|"]
    for _, p in cmp.pairs.groupby("run", sort=False).head(top).iterrows():
        out.append(f"| {p['run']} | {p['from_school']} | {p['to_school']} | {p['pupils']:,} "
                   f"| {p['blocks']} |")
    out += ["", "## Schools (enrolment per run; status where not open)", "",
            "| school | name | " + " | ".join(labels) + " |", "|---|---|" + "---|" * len(labels)]
    wide = cmp.schools.pivot(index="school", columns="run", values="status")
    enrol = cmp.schools.pivot(index="school", columns="run", values="enrolment") if (
        "enrolment" in cmp.schools) else None
    names = cmp.schools.drop_duplicates("school").set_index("school")["name"]
    for sid in wide.index:
        cells = []
        for lb in labels:
            st = wide.loc[sid, lb]
            cells.append(fmt(enrol.loc[sid, lb]) if st in ("open", "new") and enrol is not None
                         else st)
        out.append(f"| {sid} | {names.get(sid, '')} | " + " | ".join(cells) + " |")
    out += closure_markdown(cmp)
    if cmp.notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in cmp.notes]
    return "\n".join(out) + "\n"
