"""Progress of a sweep: a rich bar with done / running / failed counts and an ETA on a
terminal, plain lines (one per finished variant) when stderr is piped, or nothing (quiet).

The ETA is the variants still to solve divided by this run's rate of finishing them
(variants found finished by an earlier run count as done but not towards the rate).
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def format_seconds(s: float | None) -> str:
    """1:02:03, 4:05 or 12 s; '?' when unknown."""
    if s is None:
        return "?"
    s = int(round(s))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}" if m else f"{sec} s"


class Counts:
    """done / failed / running of a sweep, and the ETA from this run's rate."""

    def __init__(self, total: int, done: int = 0, failed: int = 0):
        self.total, self.done, self.failed, self.running = total, done, failed, 0
        self.finished_here = 0
        self.t0 = time.perf_counter()

    def record(self, ok: bool) -> None:
        self.finished_here += 1
        if ok:
            self.done += 1
        else:
            self.failed += 1

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def eta(self) -> float | None:
        left = self.total - self.done - self.failed
        if left <= 0:
            return 0.0
        if not self.finished_here:
            return None
        return left * self.elapsed() / self.finished_here


def describe_outcome(label: str, out: dict[str, Any]) -> str:
    """One line about a finished variant: status, objective, annual cost, seconds."""
    if not out["ok"]:
        lines = [ln.strip() for ln in out["error"].strip().splitlines() if ln.strip()]
        if len(lines) > 1 and lines[1].startswith("- "):  # the first problem named
            first = lines[1].removeprefix("- ").removeprefix("error: ")
            more = f" (+{len(lines) - 2} more in error.txt)" if len(lines) > 2 else ""
            return f"FAILED {label}: {first[:200]}{more}"
        return f"FAILED {label}: {lines[0] if lines else 'failed'}"
    if "plan" in out:
        return describe_plan(label, out)
    r = out["result"]
    cost = r.kpis.funding.total_yuan if r.kpis is not None else None
    parts = [f"{label}: {r.status}"]
    if r.objective is not None:
        parts.append(f"objective {r.objective:,.2f}")
    if cost is not None:
        parts.append(f"annual cost {cost / 1e4:,.1f} 万元")
    if out.get("seconds") is not None:
        parts.append(f"({out['seconds']:.1f} s)")
    return "  ".join(parts)


def describe_plan(label: str, out: dict[str, Any]) -> str:
    """One line about a finished horizon plan: status, years, the horizon totals."""
    p, t = out["plan"], out["plan"]["totals"]
    years = [r["year"] for r in p["rows"]]
    parts = [f"{label}: {p['status']}", f"{years[0]}-{years[-1]}" if years else "no year",
             f"pupil-km {t['pupil_km']:,.0f}", f"moved {t['pupils_moved']:,.0f}",
             f"cost {t['annual_cost_yuan'] / 1e4:,.1f} 万元",
             f"targets missed {t['targets_missed']:.0f}"]
    if out.get("seconds") is not None:
        parts.append(f"({out['seconds']:.1f} s)")
    return "  ".join(parts)


class PlainSweepProgress:
    """A line per finished variant with the counts and the ETA."""

    def __init__(self, counts: Counts, stream: TextIO | None = None):
        self.c = counts
        self.stream = stream or sys.stderr

    def __enter__(self) -> PlainSweepProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def running(self, n: int) -> None:
        self.c.running = n

    def finished(self, label: str, out: dict[str, Any]) -> None:
        self.c.record(out["ok"])
        c = self.c
        print(f"[{c.elapsed():7.1f}s] {c.done}/{c.total} done  {c.running} running  "
              f"{c.failed} failed  ETA {format_seconds(c.eta())}  "
              f"{describe_outcome(label, out)}", file=self.stream, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class LiveSweepProgress:
    """A rich progress bar: done of total, running, failed, elapsed, ETA; finished
    variants are printed above it."""

    def __init__(self, counts: Counts, console: Console):
        self.c = counts
        self.console = console
        self.bar = Progress(
            TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[cyan]{task.fields[running]} running"),
            TextColumn("[red]{task.fields[failed]} failed"), TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"), console=console, transient=False)
        self.task = self.bar.add_task("sweep", total=counts.total,
                                      completed=counts.done + counts.failed, running=0,
                                      failed=counts.failed, eta="?")

    def __enter__(self) -> LiveSweepProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._refresh()
        self.bar.__exit__(*exc)

    def _refresh(self) -> None:
        c = self.c
        self.bar.update(self.task, completed=c.done + c.failed, running=c.running,
                        failed=c.failed, eta=format_seconds(c.eta()))

    def running(self, n: int) -> None:
        self.c.running = n
        self._refresh()

    def finished(self, label: str, out: dict[str, Any]) -> None:
        self.c.record(out["ok"])
        style = "" if out["ok"] else "red"
        self.console.print(describe_outcome(label, out), style=style, highlight=False,
                           markup=False)
        self._refresh()

    def note(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False)


class QuietSweepProgress(PlainSweepProgress):
    """Counts only; prints nothing."""

    def finished(self, label: str, out: dict[str, Any]) -> None:
        self.c.record(out["ok"])

    def note(self, text: str) -> None:
        return None


def make_sweep_progress(counts: Counts, quiet: bool):
    """The progress display suited to stderr: live bar, plain lines or quiet."""
    if quiet:
        return QuietSweepProgress(counts)
    console = Console(stderr=True)
    if console.is_terminal:
        return LiveSweepProgress(counts, console)
    return PlainSweepProgress(counts)
