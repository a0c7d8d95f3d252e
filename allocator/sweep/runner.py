"""Scenario sweeps and province-wide batches: `allocator sweep SPEC -o OUTDIR`.

A spec (`allocator.sweep.spec`) expands a base scenario into variants (a grid of option and
policy values by dotted path, layout plans, closure subsets) or takes a folder of scenario
files (one per county). `run_sweep` checks everything first, then solves the variants not
yet finished in OUTDIR on a local process pool (default), a Dask LocalCluster
(`scheduler="local"`) or an existing Dask cluster (`scheduler="tcp://HOST:PORT"`), writes
each variant's folder the moment it finishes (`allocator.sweep.task`) and ends with the
ranking, the Pareto front and the comparison of the best variants in OUTDIR/summary
(`allocator.sweep.summary`).

Bad input (the spec, a base scenario, an unknown path, an empty product, a scheduler that
cannot be reached, OUTDIR in use by another sweep) raises `SpecError` or `BackendError`
before anything is solved or written. A rerun skips the variants with a result.json; an
interrupted sweep keeps every variant that finished.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.io.atomic import write_file
from allocator.model.findings import Finding

from .backends import BackendError, DaskBackend, PoolBackend
from .outputs import clean_leftovers, run_variants, variant_state
from .progress import Counts, make_sweep_progress
from .spec import SpecError, load_sweep
from .summary import write_summary
from .variants import Sweep, Variant

__all__ = ["BackendError", "SpecError", "SweepReport", "load_sweep", "run_sweep",
           "start_backend"]


@dataclass
class SweepReport:
    """What a sweep did: the variants, how many were finished before, solved and failed
    now, the summary folder and the ranked table."""

    sweep: Sweep
    finished_before: int
    todo: list[Variant]
    failed_before: int = 0
    solved: int = 0
    failed: int = 0
    backend: str | None = None
    summary: Path | None = None
    table: pd.DataFrame | None = None
    failed_list: list[dict[str, str]] = field(default_factory=list)
    missing: list[Variant] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def start_backend(scheduler: str | None, workers: int | None,
                  connect_timeout: float = 10.0) -> Any:
    """The backend for `scheduler`: None -> a local process pool of `workers` (default:
    the number of cores), "local" -> a Dask LocalCluster of `workers`, an address ->
    that Dask cluster (BackendError when it cannot be reached or has no worker)."""
    n = workers or os.cpu_count() or 1
    if scheduler is None:
        return PoolBackend(n)
    if scheduler == "local":
        try:
            return DaskBackend.local(n)
        except (OSError, RuntimeError, TimeoutError) as exc:
            raise BackendError(f"cannot start a Dask LocalCluster of {n} workers: "
                               f"{type(exc).__name__}: {exc}") from None
    if "://" not in scheduler and ":" not in scheduler:
        raise BackendError(f"--scheduler '{scheduler}': give 'local' or a Dask scheduler "
                           "address such as tcp://10.0.0.5:8786")
    return DaskBackend.connect(scheduler, timeout=connect_timeout,
                               wait_workers=max(connect_timeout, 30.0))


@contextmanager
def lock_outdir(outdir: Path) -> Iterator[None]:
    """Hold OUTDIR/.sweep.lock while a sweep writes there; BackendError when another
    sweep holds it (two sweeps writing one folder would redo each other's variants)."""
    import fcntl

    fd = os.open(outdir / ".sweep.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackendError(f"another sweep is writing to {outdir}; wait for it or use "
                               "another folder") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while the sweep runs (main thread only), so
    `kill PID` stops the workers and keeps what finished, as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def write_manifest(sweep: Sweep, outdir: Path) -> None:
    """OUTDIR/sweep.json: the spec, every variant (id, label, settings, layout) and the
    skipped combinations; replaced whole."""
    data = {"name": sweep.name, "spec": str(sweep.source),
            "bases": [str(b.path) for b in sweep.bases],
            "variants": [v.describe(sweep.bases) for v in sweep.variants],
            "skipped": sweep.skipped, "duplicates": sweep.duplicates}
    write_file(outdir / "sweep.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def check_outdir(outdir: Path) -> None:
    """SpecError when OUTDIR exists and is not a folder."""
    if outdir.exists() and not outdir.is_dir():
        raise SpecError([Finding(severity="error", code="sweep", record=str(outdir),
                                 message="exists and is not a folder")])


def expansion_notes(sweep: Sweep) -> list[str]:
    """One note on the plan + closure combinations the expansion skipped (the first five
    named) and one on the duplicate variants it dropped, each only when there were any."""
    notes = []
    if sweep.skipped:
        notes.append(f"{len(sweep.skipped)} plan + closure combinations skipped "
                     "(possible alone, not together): " + "; ".join(
                         s["label"] for s in sweep.skipped[:5])
                     + (" ..." if len(sweep.skipped) > 5 else ""))
    if sweep.duplicates:
        notes.append(f"{sweep.duplicates} duplicate variants (same content) dropped")
    return notes


def run_sweep(spec: str | Path, outdir: str | Path, *, workers: int | None = None,
              scheduler: str | None = None, quiet: bool = False, dry_run: bool = False,
              connect_timeout: float = 10.0, retry_failed: bool = False,
              say: Any = None, backend: Any = None) -> SweepReport:
    """Check the spec, solve the variants not finished in `outdir`, write the summary.

    Guarantees: bad input raises SpecError / BackendError before anything is solved or
    written; every variant that finishes is in OUTDIR/<id>/ (result or error.txt) the
    moment it finishes; on KeyboardInterrupt the workers are stopped, what finished is
    kept and the interrupt is re-raised. Variants whose result is in OUTDIR are not solved
    again, nor those whose own input failed (unless `retry_failed`). `dry_run` checks and
    lists without writing. `backend` replaces the one `scheduler` would start (for
    embedding; it must offer the calls of `allocator.sweep.backends`).
    """
    say = say or (lambda text: None)
    out = Path(outdir)
    sweep = load_sweep(spec)
    check_outdir(out)
    state = {v.id: variant_state(out, v.id) if out.is_dir() else "todo"
             for v in sweep.variants}
    done = sum(s == "ok" for s in state.values())
    final = sum(s == "final" for s in state.values()) if not retry_failed else 0
    todo = [v for v in sweep.variants if state[v.id] in ("todo", "failed")
            or (retry_failed and state[v.id] == "final")]
    report = SweepReport(sweep=sweep, finished_before=done, failed_before=final, todo=todo,
                         notes=expansion_notes(sweep))
    if dry_run:
        return report
    if not todo:
        backend = None
    elif backend is None:
        backend = start_backend(scheduler, workers, connect_timeout)
    report.backend = backend.describe() if backend else None
    try:
        out.mkdir(parents=True, exist_ok=True)
        with lock_outdir(out):
            clean_leftovers(out)
            write_manifest(sweep, out)
            earlier = f"{done} finished earlier" + (f", {final} failed earlier (bad input; "
                                                      "--retry-failed)" if final else "")
            say(f"sweep {sweep.name}: {len(sweep.variants)} variants, {earlier}, "
                f"{len(todo)} to solve" + (f" on {report.backend}" if backend else ""))
            for note in report.notes:
                say(note)
            if backend is not None:
                counts = Counts(total=len(sweep.variants), done=done, failed=final)
                with sigterm_interrupts(), make_sweep_progress(counts, quiet) as progress:
                    backend_used, backend = backend, None  # run_variants closes it
                    stats = run_variants(sweep, todo, out, backend_used, progress)
                report.solved, report.failed = stats["ok"], stats["failed"]
            report.summary, report.table, report.failed_list, report.missing = \
                write_summary(sweep, out)
    finally:
        if backend is not None:  # never handed to run_variants (e.g. OUTDIR locked)
            backend.close(cancel=True)
    return report
