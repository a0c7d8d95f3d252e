"""Markdown tables of benchmark rows, and the sections of BENCHMARKS.md that keep them."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"


def machine() -> str:
    """CPU model, cores, Python, OR-Tools version: what the numbers depend on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import importlib.metadata as md

        ort = md.version("ortools")
    except Exception:  # noqa: BLE001 - informative only
        ort = "?"
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()}, Python "
            f"{platform.python_version()}, OR-Tools {ort}")


def _fmt(v, kind: str = "") -> str:
    if v is None:
        return "-"
    if kind == "pct":
        return f"{100 * v:.3f}%"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) >= 100 else f"{v:.2f}"
    return str(v)


def table(rows: list[dict], cols: list[tuple[str, str, str]]) -> str:
    """Markdown table; cols are (key, header, format)."""
    lines = ["| " + " | ".join(h for _, h, _ in cols) + " |",
             "|" + "|".join("---:" if f in ("pct", "num") else "---" for _, _, f in cols) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(r.get(k), f) for k, _, f in cols) + " |")
    return "\n".join(lines)


def orlib_markdown(rows: list[dict], summary: list[dict]) -> str:
    """Summary by family, then one row per instance."""
    head = table(summary, [("family", "family", ""), ("instances", "instances", "num"),
                           ("at_optimum", "at optimum", "num"), ("proven", "proven", "num"),
                           ("mean_gap", "mean gap", "pct"), ("max_gap", "max gap", "pct"),
                           ("max_wall_s", "max time s", "num"),
                           ("targets_met", "targets met", "num")])
    body = table(rows, [("instance", "instance", ""), ("size", "size", ""),
                        ("value", "value", "num"), ("optimum", "optimum", "num"),
                        ("gap_to_opt", "gap to optimum", "pct"), ("bound", "our bound", "num"),
                        ("proven", "proven", ""), ("wall_s", "time s", "num"),
                        ("target", "target", "")])
    return head + "\n\n" + body


def counties_markdown(rows: list[dict]) -> str:
    """One row per county."""
    return table(rows, [("instance", "instance", ""), ("schools", "schools", "num"),
                        ("blocks", "blocks", "num"), ("pupils", "pupils", "num"),
                        ("status", "status", ""), ("objective", "objective", "num"),
                        ("lower_bound", "lower bound", "num"), ("gap", "gap", "pct"),
                        ("wall_s", "time s", "num"), ("peak_mb", "peak MB", "num"),
                        ("violations", "violations", "num"), ("error", "error", "")])


def _peer_text(cell: dict | None, gap_key: str) -> str:
    if not cell:
        return "-"
    if cell.get("skipped"):
        return f"skipped: {cell['skipped']}"
    if cell.get("error"):
        return f"error: {cell['error']}"
    if str(cell.get("check", "")).startswith("rejected"):
        return "plan rejected by the checker"
    if cell.get("value") is None:
        return f"no plan ({cell.get('status', '?')}, {_fmt(cell.get('time_s'))} s)"
    return (f"{_fmt(cell['value'])} ({_fmt(cell.get(gap_key), 'pct')}, "
            f"{_fmt(cell.get('time_s'))} s)")


def peers_markdown(rows: list[dict], peers: list[str]) -> str:
    """One row per instance: ours, then each peer (value, gap, time)."""
    out = []
    for r in rows:
        county = r.get("family") == "county"
        gap_key = "gap_to_bound" if county else "gap_to_opt"
        ours = r.get("ours", {})
        if county:
            lb = ours.get("lower_bound")
            ours_text = (f"error: {ours['error']}" if ours.get("error") else
                         f"{_fmt(ours.get('objective'))} ({_fmt(ours.get('gap'), 'pct')}, "
                         f"{_fmt(ours.get('wall_s'))} s)")
            ref = f"bound {_fmt(lb)}"
        else:
            ours_text = (f"{_fmt(ours.get('value'))} ({_fmt(ours.get('gap_to_opt'), 'pct')}, "
                         f"{_fmt(ours.get('wall_s'))} s)")
            ref = f"optimum {_fmt(r.get('optimum'))}"
        out.append({"instance": r["instance"], "ref": ref, "limit": r.get("time_limit_s"),
                    "ours": ours_text, **{p: _peer_text(r.get(p), gap_key) for p in peers},
                    "model": r.get("peer_model")})
    cols = [("instance", "instance", ""), ("ref", "reference", ""), ("limit", "limit s", "num"),
            ("ours", "ours: value (gap, time)", "")]
    cols += [(p, {"cpsat": "plain CP-SAT", "highs": "HiGHS", "cbc": "PuLP + CBC"}.get(p, p), "")
             for p in peers]
    cols.append(("model", "peer model", ""))
    note = ("Gap: to the published optimum (instances) or to our lower bound, which is valid "
            "for the unpruned county problem. Times: seconds of model building and solving "
            "(ours: the whole solve; peers: building their model in Python and the solver "
            "call; interpreter start and file loading excluded, full process wall time in the "
            "JSON). Peer plans are re-costed independently; a county peer's value is the "
            "engine's evaluation of its plan (never above the value the peer claims).")
    return table(out, cols) + "\n\n" + note


def update_benchmarks_md(suite: str, markdown: str, header: str,
                         path: Path = BENCHMARKS_MD) -> None:
    """Replace the suite's section of BENCHMARKS.md (between its markers) with `markdown`."""
    start, end = f"<!-- suite:{suite} -->", f"<!-- /suite:{suite} -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{header}\n\n{markdown}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(path)
