"""Write a comparison's files: compare.md, compare.html, the CSV tables, compare.xlsx, and
`runs/<label>/` (every file `allocator solve` writes, rotation and staffing included) for the
runs solved for it. Everything goes to a staged folder that replaces the output folder whole."""

from __future__ import annotations

from pathlib import Path

from allocator.io.atomic import staged_folder, write_files
from allocator.io.result_folder import result_files

from .closure import closure_table, township_boarding_table
from .compare import Comparison
from .compare_html import render_html
from .excel import comparison_workbook
from .markdown import markdown


def comparison_files(cmp: Comparison, lang: str = "en") -> dict[str, str]:
    """compare.md, compare.html (both in `lang`) and the CSV tables, by file name."""
    return {"compare.md": markdown(cmp, lang=lang), "compare.html": render_html(cmp, lang=lang),
            "kpis.csv": cmp.kpis.to_csv(index=False),
            "changes_blocks.csv": cmp.blocks.to_csv(index=False),
            "changes_pairs.csv": cmp.pairs.to_csv(index=False),
            "schools.csv": cmp.schools.to_csv(index=False),
            **({"investments.csv": cmp.investments.to_csv(index=False)}
               if not cmp.investments.empty else {}),
            "closure_blocks.csv": closure_table(cmp).to_csv(index=False),
            "township_boarding.csv": township_boarding_table(cmp).to_csv(index=False)}


def write_comparison(cmp: Comparison, outdir: str | Path, lang: str = "en") -> Path:
    """Write every output into `outdir` (replaced whole; nothing half-written); the pages
    in `lang`."""
    with staged_folder(outdir) as tmp:
        write_files(tmp, comparison_files(cmp, lang))
        write_files(tmp, {"compare.xlsx": comparison_workbook(cmp, lang)})  # the Excel copy
        for r in cmp.runs:
            if r.solved_here:
                write_files(tmp / "runs" / r.label, result_files(r.result, r.scenario_text))
    return Path(outdir)
