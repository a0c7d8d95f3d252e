"""Running a sweep's variants and writing each one the moment it finishes.

`OUTDIR/<id>/` holds a finished variant: result.json, assignments.csv, schools.csv (and
rotation.csv, staffing.csv when teachers rotate), scenario.json (the variant scenario, so
`allocator compare` and `allocator map` can read the folder) and variant.json (label, swept
settings, seconds, worker). A horizon variant's folder is a plan folder as `allocator plan`
writes it (`<year>/` result folders, scenario.json, timeline.json / .csv / .html) with its
variant.json. A variant that failed holds error.txt and variant.json instead.
Each folder is written in a hidden temporary folder inside OUTDIR and renamed into place
whole, so a folder is complete or absent: an interrupted sweep loses only the variants that
were running, and a rerun solves exactly those without a result, except variants whose own
input is bad (the same content fails the same way; `--retry-failed` tries them again).
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter, OrderedDict, deque
from pathlib import Path
from typing import Any

from allocator.io.atomic import staged_folder, write_files
from allocator.io.result_folder import result_files

from .variants import Base, Sweep, Variant

TMP_PREFIX = ".tmp-"


def variant_state(outdir: Path, variant_id: str) -> str:
    """"ok" (result.json, or a plan's timeline.json, written), "final" (error.txt of bad
    variant input: the same content fails the same way), "failed" (an error worth
    retrying) or "todo"."""
    folder = outdir / variant_id
    if (folder / "result.json").is_file() or (folder / "timeline.json").is_file():
        return "ok"
    if (folder / "error.txt").is_file():
        try:
            meta = json.loads((folder / "variant.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "failed"
        return "final" if meta.get("final") else "failed"
    return "todo"


def clean_leftovers(outdir: Path) -> int:
    """Remove temporary folders a killed run left in OUTDIR; how many there were."""
    n = 0
    for p in outdir.glob(f"{TMP_PREFIX}*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            n += 1
    return n


def task_of(variant: Variant, base: Base) -> dict[str, Any]:
    """What the task needs besides the base: the replaced top-level values, with road and
    matrix paths made absolute (they are relative to the base scenario's folder)."""
    replace = dict(variant.replace)
    dist = (replace.get("options") or {}).get("distance")
    if isinstance(dist, dict):
        dist = dict(dist)
        for key in ("roads", "matrix"):
            value = dist.get(key)
            if value and not Path(value).is_absolute():
                dist[key] = str((base.path.parent / value).resolve())
        replace["options"] = {**replace["options"], "distance": dist}
    task = {"id": variant.id, "label": variant.label, "stage": variant.stage,
            "replace": replace}
    if variant.horizon is not None:
        task["horizon"] = list(variant.horizon)
    return task


def answer_status(out: dict[str, Any]) -> str:
    """The status of a task's answer: the result's or the plan's, else "failed"."""
    if not out["ok"]:
        return "failed"
    return out["plan"]["status"] if "plan" in out else out["result"].status


def write_variant(outdir: Path, variant: Variant, sweep: Sweep, task: dict[str, Any],
                  out: dict[str, Any], base_data: dict[str, Any]) -> Path:
    """Write a finished (or failed) variant's folder atomically; returns it."""
    meta = {**variant.describe(sweep.bases), "status": answer_status(out),
            "seconds": out.get("seconds"), "worker": out.get("worker"),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if not out["ok"]:
        meta["final"] = bool(out.get("final"))
    target = outdir / variant.id
    meta_text = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
    with staged_folder(target, prefix=f"{TMP_PREFIX}{variant.id}-") as folder:
        if out["ok"]:
            scenario_text = json.dumps({**base_data, **task["replace"]},
                                       ensure_ascii=False) + "\n"
            files = ({**out["plan"]["files"], "scenario.json": scenario_text}
                     if "plan" in out else result_files(out["result"], scenario_text))
            write_files(folder, {**files, "variant.json": meta_text})
        else:
            write_files(folder, {"error.txt": out["error"], "variant.json": meta_text})
    return target


class BaseCache:
    """The JSON of the last few bases asked for (variants come base-major, so a batch
    reads each county's file about once or twice)."""

    def __init__(self, bases: list[Base], size: int = 4):
        self.bases, self.size = bases, size
        self.data: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def get(self, key: int) -> dict[str, Any]:
        """The base's JSON (read when not among the last `size` used)."""
        if key in self.data:
            self.data.move_to_end(key)
        else:
            self.data[key] = self.bases[key].data()
            if len(self.data) > self.size:
                self.data.popitem(last=False)
        return self.data[key]


def run_variants(sweep: Sweep, todo: list[Variant], outdir: Path, backend: Any,
                 progress: Any, poll: float = 0.5) -> Counter:
    """Solve `todo` on `backend`, at most `backend.capacity()` at a time, writing each
    variant's folder as soon as it finishes; returns Counter(ok=, failed=). On
    KeyboardInterrupt the backend is stopped (cancelling what runs) and the interrupt
    re-raised; everything finished so far is already written."""
    pending = deque(todo)
    inflight: dict[Any, tuple[Variant, dict[str, Any]]] = {}
    left = Counter(v.base for v in todo)
    cache = BaseCache(sweep.bases)
    stats: Counter = Counter()

    def top_up() -> None:
        cap = backend.capacity()
        while pending and len(inflight) < cap:
            v = pending.popleft()
            task = task_of(v, sweep.bases[v.base])
            inflight[backend.submit(task, v.base, cache.get(v.base))] = (v, task)
        progress.running(len(inflight))

    try:
        top_up()
        while inflight:
            done = [(fut, *inflight.pop(fut)) for fut in backend.wait(list(inflight), poll)]
            answers = [(v, task, backend.outcome(fut)) for fut, v, task in done]
            backend.recover()
            top_up()  # the workers start the next variants while these are written
            for v, task, out in answers:
                try:
                    write_variant(outdir, v, sweep, task, out, cache.get(v.base))
                except OSError as exc:
                    out = {"ok": False, "error": f"cannot write {outdir / v.id}: {exc}",
                           "seconds": out.get("seconds"), "worker": out.get("worker")}
                stats["ok" if out["ok"] else "failed"] += 1
                progress.finished(v.label, out)
                left[v.base] -= 1
                if not left[v.base]:
                    backend.release(v.base)
    except BaseException:
        backend.close(cancel=True)
        raise
    backend.close()
    return stats
