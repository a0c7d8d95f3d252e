"""Solves in worker processes: the job dispatcher and one-off isolated runs.

Every solve (and every validation) runs in a child process forked from a forkserver that has
the solver already imported, never in the server's event loop, so a solve can be stopped at
any moment by killing its process and a crash in the solver cannot take the server down.

Guarantees of the `Dispatcher`:
- at most `workers` job processes run at once; the rest wait in the store's queue (oldest
  first) and start as slots free up, also after a restart;
- a child writes progress and its final state to the store itself, guarded by its attempt
  number; when a child ends without a final state (killed, crashed, out of memory) the
  dispatcher marks the job failed with the reason, and a child running far past its time
  limit is killed and failed, so every job that starts reaches a final state;
- a cancelled job's process is killed within a moment of the cancellation;
- `stop()` kills the running children and re-queues their jobs without using up an attempt.
Children end with the server (they watch its process), so a killed server leaves no stray
solver behind; their writes are guarded by the attempt number anyway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import select
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from allocator import ScenarioError, parse_scenario, result_to_json, solve, validate

from .jobs import JobStore
from .plans import PLAN, solve_plan

log = logging.getLogger("api.worker")

PRELOAD = ["allocator", "api.worker"]
PROGRESS_INTERVAL_S = 0.5  # at most this often a running job writes search progress


def mp_context() -> multiprocessing.context.BaseContext:
    """The forkserver context (solver modules preloaded); spawn where it does not exist."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def watch_server(server_pid: int) -> None:
    """End this process as soon as the server process `server_pid` ends.

    A daemon thread waits on a pidfd of the server (Linux >= 5.3), else polls it every
    second. (A parent-death signal would not do: children of the forkserver outlive it.)
    """
    if not _alive(server_pid):
        os._exit(3)

    def watch() -> None:
        try:
            fd = os.pidfd_open(server_pid)
        except (AttributeError, OSError):
            while _alive(server_pid):
                time.sleep(1.0)
        else:
            select.select([fd], [], [])
        os._exit(3)

    threading.Thread(target=watch, name="server-watch", daemon=True).start()


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (0: no cap); allocations past it raise MemoryError."""
    if megabytes <= 0:
        return
    try:
        import resource

        cap = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def solver_error(exc: BaseException) -> dict[str, Any]:
    """An error answer for an unexpected solver exception (type and message, no traceback)."""
    return {"code": "solver_error",
            "message": f"the solver stopped with an internal error ({type(exc).__name__}: "
                       f"{exc}); the server log has the details"}


def findings_error(exc: Any) -> dict[str, Any]:
    """An error answer for a ScenarioError: the findings that stop the solve."""
    return {"code": "invalid_scenario",
            "message": f"the scenario cannot be solved ({len(exc.findings)} problem(s))",
            "findings": [f.model_dump(mode="json") for f in exc.findings]}


# -- the child side ------------------------------------------------------------------------


class ProgressWriter:
    """Progress callback of a job child: writes Events to the store, search events at most
    every PROGRESS_INTERVAL_S (the newest one wins), stage changes at once."""

    def __init__(self, store: JobStore, job_id: str, attempt: int):
        self.store, self.job_id, self.attempt = store, job_id, attempt
        self.last_stage, self.last_write = "", 0.0

    def __call__(self, event: Any) -> None:
        now = time.monotonic()
        if event.stage == self.last_stage and now - self.last_write < PROGRESS_INTERVAL_S:
            return
        self.last_stage, self.last_write = event.stage, now
        self.store.report(self.job_id, self.attempt, event.stage, event.message or None,
                          event.objective, event.bound, event.gap)


def run_job(db_path: str, job_id: str, attempt: int, server_pid: int,
            memory_mb: int = 0) -> None:
    """Child entry: solve one job (a scenario, or a plan's years) and store its result or
    its failure."""
    watch_server(server_pid)
    limit_memory(memory_mb)

    store = JobStore(db_path)
    job = store.get(job_id)
    text = store.scenario_text(job_id)
    if job is None or text is None or job.status != "running" or job.attempts != attempt:
        return
    try:
        scenario = parse_scenario(json.loads(text))
        span = job.year_span()
        if job.kind == PLAN and span is not None:
            doc, status, message = solve_plan(scenario, span, job.time_limit,
                                              ProgressWriter(store, job_id, attempt))
            store.finish(job_id, attempt, doc, status, None, None, None, message)
            return
        result = solve(scenario, time_limit=job.time_limit, strict=job.strict,
                       stage=job.solve_stage,  # type: ignore[arg-type]
                       progress=ProgressWriter(store, job_id, attempt))
    except ScenarioError as exc:
        store.fail(job_id, findings_error(exc), attempt)
        return
    except Exception as exc:  # the job must end failed, with the reason, not hang
        log.exception("job %s: solver error", job_id)
        store.fail(job_id, solver_error(exc), attempt)
        return
    store.finish(job_id, attempt, result_to_json(result), result.status, result.objective,
                 result.lower_bound, result.gap, result.message)


def run_once(conn: Any, kind: str, payload: tuple, server_pid: int,
             memory_mb: int = 0) -> None:
    """Child entry of an isolated run: send ("result", json) / ("findings", [...]) /
    ("error", {...}) through `conn`."""
    watch_server(server_pid)
    limit_memory(memory_mb)

    try:
        if kind == "validate":
            (scenario,) = payload
            answer: tuple = ("findings", [f.model_dump(mode="json")
                                          for f in validate(scenario)])
        else:
            scenario, time_limit, strict = payload
            answer = ("result", result_to_json(solve(scenario, time_limit=time_limit,
                                                         strict=strict)))
    except ScenarioError as exc:
        answer = ("error", findings_error(exc))
    except Exception as exc:
        log.exception("isolated %s: solver error", kind)
        answer = ("error", solver_error(exc))
    conn.send(answer)
    conn.close()


# -- the server side -----------------------------------------------------------------------


class IsolatedRunError(Exception):
    """An isolated run ended without an answer; `error` is the answer to give."""

    def __init__(self, error: dict[str, Any]):
        super().__init__(error["message"])
        self.error = error


async def run_isolated(kind: str, payload: tuple, timeout: float,
                       is_disconnected: Any = None, memory_mb: int = 0) -> tuple[str, Any]:
    """Run `kind` ("solve" or "validate") in a fresh child process and return its answer.

    The child is killed when `timeout` seconds pass, when `is_disconnected()` (an async
    callable) turns true, or when the caller is cancelled. Raises IsolatedRunError when the
    child ends without answering or times out.
    """
    ctx = mp_context()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=run_once, args=(sender, kind, payload, os.getpid(), memory_mb),
                       daemon=True,
                       name=f"allocator-{kind}")
    await asyncio.to_thread(proc.start)
    sender.close()
    deadline = time.monotonic() + timeout
    try:
        while True:
            got = await asyncio.to_thread(_receive, receiver, 0.25)
            if got is not None:
                return got
            if not proc.is_alive():
                raise IsolatedRunError({"code": "worker_died", "message": "the solver "
                                        f"process ended unexpectedly (exit code {proc.exitcode})"})
            if time.monotonic() > deadline:
                raise IsolatedRunError({"code": "timeout", "message": "the solver did not "
                                        f"answer within {timeout:.0f} s and was stopped"})
            if is_disconnected is not None and await is_disconnected():
                raise IsolatedRunError({"code": "client_gone", "message": "the client "
                                        "disconnected; the solve was stopped"})
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        await asyncio.to_thread(proc.join, 5)


def _receive(conn: Any, wait: float) -> tuple[str, Any] | None:
    """The child's answer if one arrives within `wait` seconds; None otherwise or at EOF."""
    try:
        if conn.poll(wait):
            return conn.recv()
    except (EOFError, OSError):
        return None
    return None


@dataclass
class Running:
    job_id: str
    attempt: int
    process: Any
    deadline: float  # monotonic time after which the child is killed
    killed_for: dict[str, Any] | None = field(default=None)


class Dispatcher:
    """Runs queued jobs of `store` in up to `workers` child processes (guarantees: module
    docstring). `start()` recovers interrupted jobs first; call it once per store."""

    def __init__(self, store: JobStore, workers: int, max_attempts: int, memory_mb: int = 0):
        self.store, self.workers, self.max_attempts = store, workers, max_attempts
        self.memory_mb = memory_mb
        self.running: dict[str, Running] = {}
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread: threading.Thread | None = None
        self._ctx = mp_context()

    def start(self) -> tuple[int, int]:
        """Recover interrupted jobs, then start dispatching; returns (re-queued, failed)."""
        recovered = self.store.recover(self.max_attempts)
        self._thread = threading.Thread(target=self._loop, name="job-dispatcher", daemon=True)
        self._thread.start()
        return recovered

    def wake(self) -> None:
        """Make the dispatcher look at the queue and cancellations now."""
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):
            pass

    def stop(self) -> None:
        """Stop dispatching; kill running children and put their jobs back in the queue."""
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(10)
        for run in list(self.running.values()):
            _kill(run.process)
            self.store.requeue(run.job_id, run.attempt, "the server was stopped while this "
                               "job was running; it runs again when the server is back")
        self.running.clear()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._reap()
                self._police()
                self._fill()
            except Exception:  # keep dispatching whatever one step did
                log.exception("dispatcher step failed")
                time.sleep(0.5)
            waitables = [run.process.sentinel for run in self.running.values()]
            multiprocessing.connection.wait([*waitables, self._wake_r], timeout=1.0)
            try:
                while os.read(self._wake_r, 4096):
                    pass
            except OSError:  # BlockingIOError: drained
                pass

    def _fill(self) -> None:
        while len(self.running) < self.workers and not self._stop.is_set():
            claimed = self.store.claim_next()
            if claimed is None:
                return
            job_id, attempt = claimed
            job = self.store.get(job_id)
            limit = job.time_limit if job else 60.0
            proc = self._ctx.Process(
                target=run_job,
                args=(str(self.store.path), job_id, attempt, os.getpid(), self.memory_mb),
                daemon=True, name=f"allocator-job-{job_id[:8]}")
            try:
                proc.start()
            except Exception as exc:
                log.exception("job %s: cannot start a worker process", job_id)
                self.store.fail(job_id, {"code": "worker_start", "message": "no worker process "
                                         f"could be started ({exc})"}, attempt)
                continue
            self.running[job_id] = Running(job_id, attempt, proc,
                                           time.monotonic() + 3 * limit + 60)

    def _police(self) -> None:
        """Kill children whose job was cancelled or that run far past their time limit."""
        states = self.store.statuses(list(self.running))
        now = time.monotonic()
        for job_id, run in self.running.items():
            status, attempts = states.get(job_id, ("missing", -1))
            if status != "running" or attempts != run.attempt:
                _kill(run.process)
            elif now > run.deadline and run.killed_for is None:
                run.killed_for = {"code": "timeout", "message": "the solver did not stop "
                                  "within twice its time limit and was stopped"}
                _kill(run.process)

    def _reap(self) -> None:
        for job_id, run in list(self.running.items()):
            if run.process.is_alive():
                continue
            run.process.join(0)
            error = run.killed_for or {
                "code": "worker_died",
                "message": "the solver process ended without a result (exit code "
                           f"{run.process.exitcode}: killed, out of memory or crashed)"}
            self.store.fail(job_id, error, run.attempt)  # no-op when it had finished
            del self.running[job_id]


def _kill(proc: Any) -> None:
    if proc.is_alive():
        try:
            proc.kill()
        except (OSError, ValueError):
            pass
