"""Progress display for the CLI: a live line on a terminal, plain lines when piped."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.text import Text

from allocator import ProgressEvent as Event


def _fmt(e: Event) -> str:
    parts = [f"{e.stage:<7}"]
    if e.message:
        parts.append(e.message)
    if e.objective is not None:
        parts.append(f"incumbent {e.objective:,.2f}")
    if e.bound is not None:
        parts.append(f"bound {e.bound:,.2f}")
    if e.gap is not None:
        parts.append(f"gap {100 * e.gap:.3f}%")
    return "  ".join(parts)


class PlainProgress:
    """One line per stage change, search updates at most once a second."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self.last_stage = ""
        self.last_line = 0.0

    def __call__(self, e: Event) -> None:
        now = time.perf_counter()
        if e.stage == self.last_stage and now - self.last_line < 1.0 and e.stage != "done":
            return
        self.last_stage, self.last_line = e.stage, now
        print(f"[{now - self.t0:7.1f}s] {_fmt(e)}", file=self.stream, flush=True)


class LiveProgress:
    """A rich live status line: stage, elapsed time, incumbent, bound and gap."""

    def __init__(self, console: Console):
        self.console = console
        self.t0 = time.perf_counter()
        self.live = Live(Text(""), console=console, refresh_per_second=8, transient=False)
        self.last = Event("start")

    def __enter__(self) -> LiveProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)

    def __call__(self, e: Event) -> None:
        if e.stage != self.last.stage and self.last.stage not in ("start", "search"):
            self.console.print(Text(f"  done  {self.last.stage}", style="dim"))
        self.last = e
        elapsed = time.perf_counter() - self.t0
        self.live.update(Text(f"[{elapsed:6.1f}s] {_fmt(e)}", style="bold cyan"))


def make_progress(quiet: bool):
    """A context manager yielding a progress callback suited to stderr (or a no-op)."""
    if quiet:
        return contextlib.nullcontext(lambda e: None)
    console = Console(stderr=True)
    if console.is_terminal:
        return LiveProgress(console)
    return contextlib.nullcontext(PlainProgress())
